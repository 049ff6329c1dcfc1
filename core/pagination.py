"""Keyset ("seek") pagination for the lists that grow without bound (the
staff board, a corrector's queue, a client's invoices).

A page is "the next N rows after this one" in a fixed order that ends with
the primary key, so rows that tie on the sort key are neither lost nor
repeated across pages. It is a ``WHERE (a, b, pk) > (…) … LIMIT N + 1``: page
1 000 costs what page 1 costs, with no ``OFFSET`` to walk and no
``COUNT(*)``. The price: no page numbers, only "Précédents" / "Suivants"
(``templates/includes/pagination.html`` draws both kinds of page).

The cursor in the URL is the boundary row's sort values (base64 JSON); a
cursor that does not parse shows the first page. It is not a secret nor a
permission: the queryset given here already holds only what the user may see.
"""

import base64
import binascii
import json
import operator
from dataclasses import dataclass
from functools import reduce

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection
from django.db.models import F, Q, prefetch_related_objects

AFTER, BEFORE = "a", "b"


@dataclass(frozen=True)
class _Key:
    """One column of the order: a model field or an annotation."""

    name: str
    descending: bool
    nullable: bool
    field: object  # what turns the cursor's JSON value back into a Python one

    def order(self, *, reverse):
        """NULLs sort as the smallest value (MySQL's and SQLite's own rule),
        stated so the conditions below hold whatever the engine."""
        expression = F(self.name)
        if self.descending != reverse:
            return expression.desc(nulls_last=True) if self.nullable else expression.desc()
        return expression.asc(nulls_first=True) if self.nullable else expression.asc()

    def after(self, value, *, reverse):
        """The rows strictly after `value` on this column (None: there are none)."""
        descending = self.descending != reverse
        if value is None:  # NULLs come first going up, last going down
            return None if descending else Q(**{f"{self.name}__isnull": False})
        after = Q(**{f"{self.name}__{'lt' if descending else 'gt'}": value})
        if descending and self.nullable:
            after |= Q(**{f"{self.name}__isnull": True})
        return after

    def equal(self, value):
        return Q(**{f"{self.name}__isnull": True}) if value is None else Q(**{self.name: value})


def _keys(queryset, ordering):
    keys = []
    for item in ordering:
        name = item.lstrip("-")
        if name in queryset.query.annotations:
            field = queryset.query.annotations[name].output_field
        else:
            try:
                field = queryset.model._meta.pk if name == "pk" else queryset.model._meta.get_field(name)
            except FieldDoesNotExist:
                raise ValueError(f"keyset: unknown column {name!r}") from None
        keys.append(_Key(name, item.startswith("-"), getattr(field, "null", False), field))
    if keys[-1].name not in ("pk", queryset.model._meta.pk.name):
        raise ValueError("keyset: the ordering must end with the primary key")
    return keys


def _seek(keys, values, *, reverse):
    """(k1, k2, …) after (v1, v2, …): k1 > v1, or k1 = v1 and k2 > v2, …"""
    terms, ties = [], Q()
    for key, value in zip(keys, values, strict=True):
        after = key.after(value, reverse=reverse)
        if after is not None:
            terms.append(ties & after)
        ties &= key.equal(value)
    condition = reduce(operator.or_, terms)  # never empty: the last key, the pk, is never NULL
    first, value = keys[0], values[0]
    if value is not None and not first.nullable:
        # Redundant, but lets the database read a range of the first column's index.
        condition &= Q(**{f"{first.name}__{'lte' if first.descending != reverse else 'gte'}": value})
    return condition


def _encode(direction, keys, row):
    values = []
    for key in keys:
        value = getattr(row, key.name)
        values.append(value if value is None or isinstance(value, (int, str)) else str(value))
    # str() of a datetime keeps its microseconds (DjangoJSONEncoder would cut them).
    return base64.urlsafe_b64encode(json.dumps([direction, values]).encode()).decode().rstrip("=")


def _decode(token, keys):
    """(direction, values), or (None, None) for the first page."""
    if not token:
        return None, None
    try:
        direction, raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if direction not in (AFTER, BEFORE) or len(raw) != len(keys) or raw[-1] is None:
            return None, None
        return direction, [None if value is None else key.field.to_python(value) for key, value in zip(keys, raw, strict=True)]
    except (ValueError, TypeError, KeyError, ValidationError, binascii.Error):
        return None, None


class KeysetPage:
    """One page: iterate it; ``has_next``/``has_previous`` and their URLs
    (the current query string with this list's cursor changed)."""

    is_keyset = True

    def __init__(self, rows, *, has_next, has_previous, next_url, previous_url):
        self.object_list = rows
        self.has_next_page, self.has_previous_page = has_next, has_previous
        self.next_url, self.previous_url = next_url, previous_url

    def has_next(self):
        return self.has_next_page

    def has_previous(self):
        return self.has_previous_page

    def has_other_pages(self):
        return self.has_next_page or self.has_previous_page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __bool__(self):
        return bool(self.object_list)


def _merged(rows, order, partitions, limit):
    """The first ``limit`` rows of ``rows`` as a UNION ALL of one ordered,
    limited read per partition (``status = X`` for each X of an ``IN``): an
    index on (status, due_date) gives each one in order, where ``status IN
    (…) ORDER BY due_date`` sorts every matching row. The database orders the
    union (its own comparison of every key, UUIDs included)."""
    lookups = rows._prefetch_related_lookups
    parts = [rows.prefetch_related(None).filter(partition)[:limit] for partition in partitions]
    merged = list(parts[0].union(*parts[1:], all=True).order_by(*order)[:limit])
    prefetch_related_objects(merged, *lookups)
    return merged


def keyset_page(queryset, *, ordering, query, per_page, param="page", anchor="", partitions=None):
    """The page of `queryset` that the cursor `query[param]` asks for.

    `ordering` lists field or annotation names ("-" for descending) and ends
    with "pk"; `query` is ``request.GET`` (the links keep its other
    parameters: filters, the other lists' cursors); `anchor` is added to the
    links ("#section") so a page with several lists lands on the right one.
    `partitions` (Q objects that split `queryset`) reads one ordered
    range per partition instead of sorting them all (where the database can
    order and limit the parts of a UNION: MySQL/MariaDB, not SQLite)."""
    keys = _keys(queryset, ordering)
    direction, values = _decode(query.get(param), keys)
    backward = direction == BEFORE
    rows = queryset.order_by(*(key.order(reverse=backward) for key in keys))
    if values is not None:
        rows = rows.filter(_seek(keys, values, reverse=backward))
    if partitions and len(partitions) > 1 and connection.features.supports_slicing_ordering_in_compound:
        rows = _merged(rows, [key.order(reverse=backward) for key in keys], partitions, per_page + 1)
    else:
        rows = list(rows[:per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backward:
        rows.reverse()
        has_previous, has_next = more, bool(rows)
    else:
        # Coming from a cursor, there were rows before it.
        has_previous, has_next = values is not None and bool(rows), more

    def url(direction, row):
        params = query.copy()
        params[param] = _encode(direction, keys, row)
        return f"?{params.urlencode()}{anchor}"

    return KeysetPage(
        rows, has_next=has_next, has_previous=has_previous,
        next_url=url(AFTER, rows[-1]) if has_next else None,
        previous_url=url(BEFORE, rows[0]) if has_previous else None,
    )
