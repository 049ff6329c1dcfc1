"""Export any changelist to CSV or JSON, streamed.

Two ways in, one generator: the admin action "Exporter en CSV/JSON" (the
ticked rows, or every filtered row with "tout sélectionner"), and the
changelist's buttons, which post nothing and keep the page's querystring
(filters, search, date drill-down) so the export holds exactly the rows shown.

What is written: every concrete field of the model (foreign keys as their id),
read with ``values_list`` — not the list_display columns, which are methods
that may cost a query per row and return HTML. A ModelAdmin's ``export_labels``
({"client": "email", "service": "name"}) makes the CSV show those foreign keys
by a field of the row they point to: read for each chunk at once, one query
per related table (not a join: on a big table MySQL may start from the small
joined one and sort the big one, see core.admin_bigtable), so the queries grow
with the chunks, never with the rows. Secrets never leave: fields
whose name says password / token / secret / session / submission key, and
what a ModelAdmin lists in ``export_exclude``.

Rows are read in primary-key order by keyset chunks (``pk > last``), not with
``QuerySet.iterator()``: MySQL's driver loads a whole result set into memory
even for an iterator, a keyset chunk is bounded on every database. So 100 000
rows never sit in memory, whatever the backend.

CSV is for people, in the French Excel dialect: ``;`` as separator (the
decimal separator is the comma in French), UTF-8 with a BOM so accents open
correctly, French column names, Paris times, "oui"/"non", and amounts in euros
("480,00", the column named "… (€)") for the ModelAdmin's ``euro_fields`` and
``export_euro_fields``. JSON is for programs: an array of objects keyed by
field name, with the stored values (amounts in cents, UTC times).
"""

import csv
import json
from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .models import AuditLog

CHUNK_SIZE = 2000
SENSITIVE_NAME_PARTS = ("password", "token", "secret", "session_key", "session_data", "session_hash",
                        "submission_key", "api_key")
FORMATS = ("csv", "json")


def export_fields(model_admin):
    excluded = set(getattr(model_admin, "export_exclude", ()))
    return [
        field for field in model_admin.model._meta.concrete_fields
        if field.name not in excluded and not any(part in field.name for part in SENSITIVE_NAME_PARTS)
    ]


def _chunks(queryset, attnames):
    """The rows as tuples, in lists of CHUNK_SIZE, in primary-key order."""
    queryset = queryset.order_by("pk")
    pk_name = queryset.model._meta.pk.attname
    columns = [pk_name, *attnames]
    last_pk = None
    while True:
        chunk = queryset if last_pk is None else queryset.filter(pk__gt=last_pk)
        rows = list(chunk.values_list(*columns)[:CHUNK_SIZE])
        if rows:
            yield [row[1:] for row in rows]
        if len(rows) < CHUNK_SIZE:
            return
        last_pk = rows[-1][0]


def _rows(queryset, attnames):
    for chunk in _chunks(queryset, attnames):
        yield from chunk


def _chunk_labels(chunk, labelled):
    """{column index: {id: label}} for a chunk's foreign keys named in
    export_labels: one query per related model and label field."""
    wanted = {}
    for index, field, label_field in labelled:
        key = (field.related_model, label_field)
        wanted.setdefault(key, (set(), []))
        wanted[key][0].update(row[index] for row in chunk if row[index] is not None)
        wanted[key][1].append(index)
    labels = {}
    for (model, label_field), (ids, indexes) in wanted.items():
        found = dict(model._base_manager.filter(pk__in=ids).values_list("pk", label_field)) if ids else {}
        labels.update((index, found) for index in indexes)
    return labels


class _Echo:
    """csv.writer writes into this and we hand each line to the response."""

    def write(self, value):
        return value


def _csv_stream(queryset, fields, euro_names, export_labels):
    writer = csv.writer(_Echo(), delimiter=";")
    # Read once: timezone.localtime() looks it up again for every value (a third of the time).
    local_zone = timezone.get_current_timezone()
    in_euros = [field.name in euro_names for field in fields]
    labelled = [(index, field, export_labels[field.name]) for index, field in enumerate(fields)
                if field.name in export_labels]
    yield "\ufeff" + writer.writerow([
        capfirst(str(field.verbose_name)) + (" (€)" if euros else "") for field, euros in zip(fields, in_euros, strict=True)
    ])
    for chunk in _chunks(queryset, [field.attname for field in fields]):
        labels = _chunk_labels(chunk, labelled) if labelled else {}
        for row in chunk:
            if labels:
                row = [labels[index].get(value, value) if index in labels else value
                       for index, value in enumerate(row)]
            yield writer.writerow([
                "" if value is None else _euros(value) if euros else _csv_value(value, local_zone)
                for value, euros in zip(row, in_euros, strict=True)
            ])


def _euros(cents):
    return f"{Decimal(cents) / 100:.2f}".replace(".", ",")


def _csv_value(value, local_zone):
    if isinstance(value, bool):
        return "oui" if value else "non"
    if getattr(value, "tzinfo", None) is not None:
        return value.astimezone(local_zone).strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return value


def _json_stream(queryset, fields):
    names = [field.name for field in fields]
    yield "["
    separator = "\n"
    for row in _rows(queryset, [field.attname for field in fields]):
        yield separator + json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False, cls=DjangoJSONEncoder)
        separator = ",\n"
    yield "\n]\n"


def export_response(model_admin, request, queryset, fmt):
    fields = export_fields(model_admin)
    opts = model_admin.model._meta
    # Data leaving the platform in bulk: who took what, with which filters.
    audit_record(action="admin.export", actor=request.user, request=request, severity=AuditLog.Severity.MEDIUM,
                 target_type=opts.label, details={"format": fmt, "filters": request.GET.urlencode()})
    filename = f"{opts.app_label}-{opts.model_name}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        euro_names = {*getattr(model_admin, "euro_fields", ()), *getattr(model_admin, "export_euro_fields", ())}
        export_labels = getattr(model_admin, "export_labels", {})
        response = StreamingHttpResponse(_csv_stream(queryset, fields, euro_names, export_labels),
                                         content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_stream(queryset, fields), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_changelist_view(admin_site, request, app_label, model_name, fmt):
    """The changelist's buttons: the rows its querystring selects."""
    model_admin = next(
        (ma for model, ma in admin_site._registry.items()
         if (model._meta.app_label, model._meta.model_name) == (app_label, model_name)),
        None,
    )
    if model_admin is None or fmt not in FORMATS or not model_admin.has_view_permission(request):
        raise Http404
    # The page number is the screen's business, not the export's.
    request.GET = request.GET.copy()
    request.GET.pop("p", None)
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters as error:
        raise Http404 from error
    return export_response(model_admin, request, changelist.queryset, fmt)


@admin.action(description=_("Exporter en CSV les lignes sélectionnées"), permissions=["view"])
def export_csv(model_admin, request, queryset):
    return export_response(model_admin, request, queryset, "csv")


@admin.action(description=_("Exporter en JSON les lignes sélectionnées"), permissions=["view"])
def export_json(model_admin, request, queryset):
    return export_response(model_admin, request, queryset, "json")
