"""Changelists of tables that grow without bound (messages, notifications,
outbox, Stripe events, order events...): no full ``COUNT(*)`` on any page.

``show_full_result_count = False`` alone does not do it: Django's paginator
still counts the filtered rows to draw the page links. This one counts

- any list: at most up to the next page (``LIMIT page × size + 1``), which
  costs what showing the page costs. When that count stops short of the
  bound it is the exact total; otherwise the page knows "there is a next
  page", not the total, and the pagination says "plus de N";
- an unfiltered list on MySQL/MariaDB reads, in the same query, the table's
  row estimate from ``information_schema.TABLES`` (what InnoDB keeps anyway;
  ~exact is not needed to draw "page 1 2 … 10 000"): "environ N".

One count query whatever the table's size: the page costs the same number
of queries at 2 000 rows and at 2 000 000 (an exact ``COUNT(*)`` below some
size, then an estimate, would change the count with the data).

"Tout afficher" is off: it would load every row of the table.

The related objects of the list's columns come with ``prefetch_related`` (one
query per relation, by primary key, for the page's rows), not a join: with a
join MySQL may start from the small joined table and sort the big one in a
temporary table instead of reading the ordering's index (DESIGN.md,
"Performance budget").
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _

ESTIMATE_SQL = "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s"
# A page of a big table is a window on millions of rows, narrowed by filters
# and search. Each row costs ~0.4 ms of Django's template rendering (the SQL
# almost nothing: an index walk that stops at the page); 25 rows keep the
# page near 25 ms of CPU, Django's 100 took 70 ms (issue 13).
BIG_TABLE_PER_PAGE = 25


def bounded_count_and_estimate(queryset, bound):
    """(rows up to `bound`, the table's row estimate or None), one query.

    The estimate only on MySQL/MariaDB and for an unfiltered list (it counts
    the table, not a filter's rows)."""
    bounded = queryset.order_by().values("pk")[:bound]
    connection = connections[queryset.db]
    if queryset.query.has_filters() or connection.vendor != "mysql":
        return bounded.count(), None
    sql, params = bounded.query.sql_with_params()  # compiled by Django, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({ESTIMATE_SQL}), (SELECT COUNT(*) FROM ({sql}) bounded)",  # noqa: S608
                       [queryset.model._meta.db_table, *params])
        estimate, counted = cursor.fetchone()
    return int(counted), None if estimate is None else int(estimate)


class BigTablePaginator(Paginator):
    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page_number=1):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.page_number = page_number
        self.count_is_estimate = False
        self.count_is_lower_bound = False

    @cached_property
    def count(self):
        bound = self.page_number * self.per_page + 1
        counted, estimate = bounded_count_and_estimate(self.object_list, bound)
        if counted < bound:
            return counted  # the last page: the exact total
        if estimate is not None and estimate > counted:
            self.count_is_estimate = True
            return estimate
        self.count_is_lower_bound = True
        return counted


class BigTableAdminMixin:
    """Put before ``admin.ModelAdmin`` in the bases of a big table's admin;
    give it an ``ordering`` that an index serves (usually ``("-pk",)``)."""

    show_full_result_count = False
    # "Afficher les nombres" would count every filter choice over the whole table.
    show_facets = admin.ShowFacets.NEVER
    list_max_show_all = 0
    list_per_page = BIG_TABLE_PER_PAGE
    paginator = BigTablePaginator
    # () and not False: False would let Django join every foreign key shown.
    # A nullable foreign key may be joined (LEFT JOIN: MySQL must start from
    # the big table): its prefetch would be skipped on a page where no row
    # has one, and the page's query count would depend on the data.
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

    def action_checkbox(self, obj):
        """Django's checkbox, written directly: through the form renderer
        (a template per row) it is a fifth of the page's rendering time."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME, obj.pk, _("Choisir cet objet pour une action - %(object)s") % {"object": obj},
        )
