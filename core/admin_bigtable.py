"""Changelists of tables that grow without bound (messages, notifications,
outbox, Stripe events, order events...): no full ``COUNT(*)`` on any page.

``show_full_result_count = False`` alone does not do it: Django's paginator
still counts the filtered rows to draw the page links. This one counts

- an unfiltered list on MySQL/MariaDB: the table's row estimate from
  ``information_schema.TABLES`` (what InnoDB keeps anyway; ~exact is not
  needed to draw "page 1 2 … 10 000"), the exact count below EXACT_BELOW;
- any other list: at most up to the next page (``LIMIT page × size + 1``),
  which costs what showing the page costs. The page knows "there is a next
  page", not the total; the pagination says "plus de N".

"Tout afficher" is off: it would load every row of the table.

The related objects of the list's columns come with ``prefetch_related`` (one
query per relation, by primary key, for the page's rows), not a join: with a
join MySQL may start from the small joined table and sort the big one in a
temporary table instead of reading the ordering's index (DESIGN.md,
"Performance budget").
"""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

EXACT_BELOW = 20_000  # an exact COUNT(*) under this is a few milliseconds


def table_rows_estimate(model, using):
    """InnoDB's estimate of a table's rows (MySQL/MariaDB), or None."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return None if row is None or row[0] is None else int(row[0])


class BigTablePaginator(Paginator):
    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page_number=1):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.page_number = page_number
        self.count_is_estimate = False
        self.count_is_lower_bound = False

    @cached_property
    def count(self):
        queryset = self.object_list
        if not queryset.query.has_filters() and connections[queryset.db].vendor == "mysql":
            estimate = table_rows_estimate(queryset.model, queryset.db)
            if estimate is not None and estimate >= EXACT_BELOW:
                self.count_is_estimate = True
                return estimate
        bound = self.page_number * self.per_page + 1
        counted = queryset.order_by().values("pk")[:bound].count()
        self.count_is_lower_bound = counted == bound
        return counted


class BigTableAdminMixin:
    """Put before ``admin.ModelAdmin`` in the bases of a big table's admin;
    give it an ``ordering`` that an index serves (usually ``("-pk",)``)."""

    show_full_result_count = False
    list_max_show_all = 0
    paginator = BigTablePaginator
    # () and not False: False would let Django join every foreign key shown.
    list_select_related = ()
    list_prefetch_related = ()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(*self.list_prefetch_related)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        try:
            page_number = max(int(request.GET.get("p", 1)), 1)
        except ValueError:
            page_number = 1
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, page_number=page_number)
