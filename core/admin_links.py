"""Walking the back office's graph without typing an id.

An app's admin.py declares, from its side, the rows of its own that belong to
an object of a lower app (orders: "a user's orders are Order.client"), with
``register_relation``; core, which imports none of our apps, shows them on the
object's change page as links to the filtered changelists, with their counts
(one COUNT per relation, on an indexed foreign key: a fixed number of queries
whatever the data).
"""

from dataclasses import dataclass

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Relation:
    label: str
    model: type
    lookup: str  # from `model` to the object, e.g. "client" or "order__client"
    # Narrows the rows, as changelist filters ("is_read__exact": 0 for the unread ones).
    filters: tuple = ()


_relations: dict[str, list[Relation]] = {}


def register_relation(source, *, label, model, lookup, filters=None):
    """``source``: the model label ("accounts.User") whose change page shows
    the link; ``model``: the rows listed; ``lookup``: their path to it;
    ``filters``: changelist filters that narrow them (e.g. the unread ones)."""
    relation = Relation(label=label, model=model, lookup=lookup, filters=tuple(sorted((filters or {}).items())))
    relations = _relations.setdefault(source, [])
    if relation not in relations:
        relations.append(relation)


def relations_to(model):
    """The lookups registered from ``model``'s rows to other objects."""
    return {r.lookup for relations in _relations.values() for r in relations if r.model is model}


def changelist_url(model, **filters):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def changelist_link(model, *, label, count, **filters):
    """"Commandes (3)" linking to the changelist filtered by ``filters``."""
    return format_html('<a href="{}">{} ({})</a>', changelist_url(model, **filters), label, count)


def related_links(obj):
    """The registered relations of ``obj`` as a list of links with counts."""
    items = []
    for relation in _relations.get(obj._meta.label, ()):
        try:
            filters = {f"{relation.lookup}__pk__exact": obj.pk, **dict(relation.filters)}
            count = relation.model._default_manager.filter(**filters).count()
            link = changelist_link(relation.model, label=relation.label, count=count, **filters)
        except NoReverseMatch:  # the target has no admin
            continue
        items.append((link,))
    if not items:
        return "—"
    return format_html('<ul class="related-links">{}</ul>', format_html_join("", "<li>{}</li>", items))


class RelatedLinksAdminMixin:
    """Put before ``admin.ModelAdmin`` of a model others point at: adds the
    read-only field ``related_links`` (list it in ``fields``/``fieldsets``)."""

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "related_links")

    @admin.display(description=_("éléments liés"))
    def related_links(self, obj):
        return related_links(obj) if obj is not None and obj.pk else "—"


class RelationLookupsAdminMixin:
    """Put before ``admin.ModelAdmin`` of a model listed through a relation of
    more than one step (a user's invoices: ``order__client``): Django accepts
    one step in a changelist's querystring, this accepts the registered ones."""

    def lookup_allowed(self, lookup, value, request=None):
        base = lookup.removesuffix("__exact").removesuffix("__pk")
        return base in relations_to(self.model) or super().lookup_allowed(lookup, value, request)
