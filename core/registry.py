"""Registries that let a lower layer run code of the apps above it.

`core` may import none of our apps, yet the RGPD export, the anonymisation and
the demo data must gather something from each of them. Every app registers its
part from ``AppConfig.ready()``; apps load in INSTALLED_APPS order (bottom
layer first), so the parts run in dependency order.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalDataPart:
    # Returns a JSON-serialisable value with everything of the user's it owns.
    export: Callable
    # Erases or neutralises personal data; must keep legally retained records.
    anonymise: Callable | None = None


personal_data_parts: dict[str, PersonalDataPart] = {}
demo_seeders: dict[str, Callable] = {}


def register_personal_data(name, *, export, anonymise=None):
    personal_data_parts[name] = PersonalDataPart(export=export, anonymise=anonymise)


def register_demo_seeder(name, seeder):
    demo_seeders[name] = seeder


# Called with order=... inside the transaction that purges an abandoned
# (never paid) order, before the order row goes: each app removes its own rows
# that point at it (billing: its pending or failed payments). A hook raises to
# keep the order (e.g. real money was received).
order_purge_hooks: dict[str, Callable] = {}


def register_order_purge_hook(name, hook):
    order_purge_hooks[name] = hook
