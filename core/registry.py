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


class DemoPartSkipped(Exception):  # noqa: N818 — not an error: a part left out on purpose
    """Raised by a demo seeder, after doing what it could, to say what it left
    out and why; seed_demo reports it and goes on with the other parts."""


def register_demo_seeder(name, seeder):
    demo_seeders[name] = seeder


# Called with order=... inside the transaction that purges an abandoned
# (never paid) order, before the order row goes: each app removes its own rows
# that point at it (billing: its pending or failed payments). A hook raises to
# keep the order (e.g. real money was received).
order_purge_hooks: dict[str, Callable] = {}


def register_order_purge_hook(name, hook):
    order_purge_hooks[name] = hook


# Whether a user has a card saved for payments (billing registers the
# answer): the order page offers "Payer avec une carte enregistrée" only then,
# without orders importing billing.
saved_card_checks: dict[str, Callable] = {}


def register_saved_card_check(name, check):
    saved_card_checks[name] = check


def user_has_saved_card(user):
    return any(check(user) for check in saved_card_checks.values())


@dataclass(frozen=True)
class AccountDeletionPart:
    # user -> list of strings a person reads: what stops the account's
    # deletion now (work in progress). Empty: nothing.
    blockers: Callable
    # user -> list of strings: what the deletion will close on its way
    # (shown as a warning before the user confirms).
    closes: Callable | None = None
    # (user, by) inside the deletion's transaction: close those things.
    close: Callable | None = None
    # (user, blockers) after a refused deletion: tell the team.
    refused: Callable | None = None


account_deletion_parts: dict[str, AccountDeletionPart] = {}


def register_account_deletion(name, *, blockers, closes=None, close=None, refused=None):
    account_deletion_parts[name] = AccountDeletionPart(blockers=blockers, closes=closes, close=close, refused=refused)


# The terms of sale (CGV) a client accepts when ordering: cms registers a
# function returning the current published revision (a cms.PageRevision, or
# None when none is published), so orders records it without importing cms.
terms_providers: dict[str, Callable] = {}


def register_terms_provider(name, provider):
    terms_providers[name] = provider


def current_terms():
    for provider in terms_providers.values():
        if (revision := provider()) is not None:
            return revision
    return None


# Called with message=... inside the transaction that posts a message (the
# conversation's row is locked), for every message a person writes: the
# support desk keeps its tickets in step with what is written in their
# conversations (first response, reopening) whichever page it was written
# from. A hook raises a ValidationError to refuse the message.
message_posted_hooks: dict[str, Callable] = {}


def register_message_posted_hook(name, hook):
    message_posted_hooks[name] = hook


# Where a conversation is read by a given user, when an app above messaging
# shows it on its own page (support: a ticket's conversation on the ticket
# page). Each provider returns a path, or None to leave the default
# (/messages/<id>/); messaging's notifications link there.
conversation_url_providers: dict[str, Callable] = {}


def register_conversation_url(name, provider):
    conversation_url_providers[name] = provider


def conversation_url(conversation, user):
    for provider in conversation_url_providers.values():
        if (url := provider(conversation, user)) is not None:
            return url
    return None


# The admin dashboard's figures: each app registers a builder called with
# now=... that returns a core.dashboard.Section built with
# aggregate queries only, so the page costs a fixed number of queries.
dashboard_sections: dict[str, Callable] = {}


def register_dashboard_section(name, builder):
    dashboard_sections[name] = builder
