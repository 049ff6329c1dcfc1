"""The admin dashboard: figures, charts and tables gathered from every app.

`core` imports none of our apps: each app registers a builder with
`core.registry.register_dashboard_section` (from its AppConfig.ready()) that
returns a `Section` computed with aggregate queries. The admin index and
`manage.py stats` show the same sections.

Periods are calendar months and weeks in Paris time, computed here as
datetime ranges rather than with TruncMonth/TruncWeek: MariaDB without its
time-zone tables returns NULL for those under USE_TZ, and a range filter on
an indexed date column is as fast everywhere.
"""

import uuid
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.functional import Promise

from .db_router import read_replica
from .registry import dashboard_sections
from .templatetags.formatting import NBSP, euros, integer

COUNT, EUROS, PERCENT, HOURS = "count", "euros", "percent", "hours"


def format_value(value, unit=COUNT):
    """A figure as people read it; "—" when there is nothing to measure."""
    if value is None:
        return "—"
    if unit == EUROS:
        return euros(value)
    if unit == PERCENT:
        return f"{value:.1f}".replace(".", ",").removesuffix(",0") + f"{NBSP}%"
    if unit == HOURS:
        if value < 1:  # "0 h" would hide a quick answer
            return f"{round(value * 60)}{NBSP}min"
        return f"{value:.1f}".replace(".", ",").removesuffix(",0") + f"{NBSP}h"
    return integer(value)


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | float | None
    unit: str = COUNT
    # The filtered changelist behind the figure.
    url: str = ""

    @property
    def display(self):
        return format_value(self.value, self.unit)


@dataclass(frozen=True)
class Series:
    name: str
    values: list


@dataclass(frozen=True)
class Chart:
    title: str
    # What the x axis counts ("Mois", "Semaine") and what the bars measure.
    x_label: str
    y_label: str
    labels: list
    series: list
    unit: str = COUNT
    # Several series: stacked (parts of a whole) or side by side.
    stacked: bool = False


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    columns: list
    rows: list  # lists of Cell

    @property
    def labelled_rows(self):
        """[(column, cell), ...] per row: phones show each cell under its column's name."""
        return [list(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Section:
    title: str
    figures: list = field(default_factory=list)
    charts: list = field(default_factory=list)
    tables: list = field(default_factory=list)


def dashboard(now=None):
    """Every registered section, in app order (INSTALLED_APPS).

    Aggregates over whole tables that may be a few seconds behind: read on
    the replica when there is one (DATABASE_REPLICA_URL)."""
    now = now or timezone.now()
    with read_replica():
        return [builder(now=now) for builder in dashboard_sections.values()]


# The figures computed last, kept this long after they are stale: while one
# request computes new ones, the others show these (with their time).
STALE_KEPT_FOR = 60 * 60
# At most one request recomputes stale figures; if it dies, another may after this.
RECOMPUTE_LOCK_SECONDS = 5 * 60


@dataclass(frozen=True)
class CachedDashboard:
    sections: list
    computed_at: datetime
    # Names this computation: the key of its drawn markup (charts.dashboard_sections).
    version: str = field(default_factory=lambda: uuid.uuid4().hex)

    def is_fresh(self, now):
        return now - self.computed_at < timedelta(seconds=settings.ADMIN_DASHBOARD_CACHE_SECONDS)


def _cache_key():
    # The sections hold translated labels: one copy per language.
    return f"admin-dashboard:v3:{translation.get_language()}"


def _plain(value):
    """The sections with their lazy translations turned into text: a lazy
    string is a class built anew when unpickled, 0.5 ms each, 40 a page."""
    if isinstance(value, Promise):
        return str(value)
    if is_dataclass(value):
        return replace(value, **{f.name: _plain(getattr(value, f.name)) for f in fields(value)})
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def cached_dashboard(*, now=None, refresh=False):
    """The dashboard as computed at most ADMIN_DASHBOARD_CACHE_SECONDS ago
    (a CachedDashboard: its sections and when they were computed).

    A page view costs no aggregate then. When the figures are stale, one
    request recomputes them (a lock in the cache) while the others show the
    previous ones; only with nothing cached at all (first view, cache lost)
    does every request compute. ``refresh`` computes them now ("Recalculer")."""
    now = now or timezone.now()
    key = _cache_key()
    cached = None if refresh else cache.get(key)
    if cached is not None and (cached.is_fresh(now) or not cache.add(f"{key}:lock", 1, RECOMPUTE_LOCK_SECONDS)):
        return cached
    try:
        fresh = CachedDashboard(sections=_plain(dashboard(now)), computed_at=now)
        cache.set(key, fresh, settings.ADMIN_DASHBOARD_CACHE_SECONDS + STALE_KEPT_FOR)
    finally:
        cache.delete(f"{key}:lock")
    return fresh


def dashboard_json(sections):
    """Plain data for `manage.py stats --json`: raw values (cents, counts),
    their unit and their French display."""
    return [
        {
            "title": str(s.title),
            "figures": [
                {"label": str(f.label), "value": f.value, "unit": f.unit, "display": f.display} for f in s.figures
            ],
            "charts": [
                {
                    "title": str(c.title), "unit": c.unit, "labels": [str(label) for label in c.labels],
                    "series": [{"name": str(x.name), "values": list(x.values)} for x in c.series],
                }
                for c in s.charts
            ],
            "tables": [
                {
                    "title": str(t.title), "columns": [str(col) for col in t.columns],
                    "rows": [[cell.text for cell in row] for row in t.rows],
                }
                for t in s.tables
            ],
        }
        for s in sections
    ]


# --- periods (Paris time) -------------------------------------------------

def local_midnight(day):
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def month_start(now, months_back=0):
    local = timezone.localtime(now)
    index = local.year * 12 + local.month - 1 - months_back
    return timezone.make_aware(datetime(index // 12, index % 12 + 1, 1))


def year_start(now):
    return timezone.make_aware(datetime(timezone.localtime(now).year, 1, 1))


def last_months(now, count=12):
    """[(label, start, end)] for the `count` calendar months up to this one."""
    starts = [month_start(now, back) for back in range(count - 1, -2, -1)]
    return [
        (formats.date_format(timezone.localtime(start), "N Y"), start, end)
        for start, end in zip(starts, starts[1:], strict=False)
    ]


def last_weeks(now, count=12):
    """[(label, start, end)] for the `count` weeks (Monday to Sunday) up to this one."""
    today = timezone.localtime(now).date()
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=back) for back in range(count - 1, -1, -1)]
    return [
        (formats.date_format(monday, "j N"), local_midnight(monday), local_midnight(monday + timedelta(weeks=1)))
        for monday in mondays
    ]


def _per_period_aggregates(periods, date_field, aggregate, column):
    return {
        f"p{i}": aggregate(column, filter=Q(**{f"{date_field}__gte": start, f"{date_field}__lt": end}))
        for i, (_label, start, end) in enumerate(periods)
    }


def per_period(queryset, periods, date_field, *, total=None):
    """One query: a Count (or Sum of `total`) per period, with conditional
    aggregation — [value, ...] in the periods' order, 0 for an empty one."""
    aggregate = Sum if total else Count
    values = queryset.aggregate(**_per_period_aggregates(periods, date_field, aggregate, total or "pk"))
    return [values[f"p{i}"] or 0 for i in range(len(periods))]


def count_per_period_by(queryset, periods, date_field, by):
    """One grouped query: {value of `by`: [count per period, ...]}."""
    rows = queryset.order_by().values(by).annotate(**_per_period_aggregates(periods, date_field, Count, "pk"))
    return {row[by]: [row[f"p{i}"] for i in range(len(periods))] for row in rows}


def percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


# --- links to the admin ----------------------------------------------------

def changelist_url(model, **params):
    """The model's changelist filtered by `params` (field lookups the admin
    accepts); datetimes are sent with their offset."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = {
        key: (value.isoformat() if isinstance(value, datetime) else value)
        for key, value in params.items()
    }
    return f"{url}?{urlencode(query)}" if query else url


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
