"""`manage.py stats [--json]`: the admin dashboard's figures for ops."""

import json

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dashboard import dashboard, dashboard_json, format_value


class Command(BaseCommand):
    help = "Affiche les chiffres du tableau de bord (utilisateurs, commandes, chiffre d'affaires, support)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Sortie JSON (montants en centimes).")

    def handle(self, *args, **options):
        now = timezone.now()
        sections = dashboard(now)
        if options["json"]:
            payload = {"generated_at": now.isoformat(), "sections": dashboard_json(sections)}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(_("Chiffres du %(at)s (heure de Paris)") % {
            "at": timezone.localtime(now).strftime("%d/%m/%Y %H:%M")})
        for section in sections:
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(str(section.title)))
            for figure in section.figures:
                self._line(figure.label, figure.display)
            for chart in section.charts:
                self.stdout.write(f"  {chart.title}")
                names = [str(s.name) for s in chart.series]
                self._table([str(chart.x_label), *names], [
                    [str(label), *(format_value(s.values[i], chart.unit) for s in chart.series)]
                    for i, label in enumerate(chart.labels)
                ])
            for table in section.tables:
                self.stdout.write(f"  {table.title}")
                if table.rows:
                    self._table([str(c) for c in table.columns], [[cell.text for cell in row] for row in table.rows])
                else:
                    self.stdout.write("    " + _("Aucune donnée pour le moment."))

    def _line(self, label, value):
        self.stdout.write(f"  {str(label):<50} {value:>16}")

    def _table(self, header, rows):
        widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
        for row in (header, *rows):
            first, *rest = row
            self.stdout.write("    " + f"{first:<{widths[0]}}" + "".join(
                f"  {cell:>{width}}" for cell, width in zip(rest, widths[1:], strict=True)))
