"""The dashboard's server-side SVG bar charts (core/templatetags/charts.py)."""

import xml.etree.ElementTree as ET

import pytest

from core.dashboard import EUROS, Chart, Series, format_value
from core.templatetags.charts import axis_step, bar_chart, chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def rects(svg):
    return [r for r in ET.fromstring(svg).iter(f"{SVG}rect")]


def test_bars_are_proportional_and_carry_their_value():
    chart = Chart(title="Ventes", x_label="Mois", y_label="Commandes", labels=["janv. 2026", "févr. 2026"],
                  series=[Series("Payées", [2, 4])])
    bars = rects(chart_svg(chart, dom_id="c"))
    assert [float(r.get("height")) for r in bars][1] == pytest.approx(2 * float(bars[0].get("height")))
    assert [r.find(f"{SVG}title").text for r in bars] == ["janv. 2026 — Payées : 2", "févr. 2026 — Payées : 4"]


def test_stacked_bars_sit_on_each_other():
    chart = Chart(title="Statuts", x_label="Mois", y_label="Commandes", labels=["nov. 2026"],
                  series=[Series("A", [3]), Series("B", [1])], stacked=True)
    lower, upper = rects(chart_svg(chart, dom_id="c"))
    assert float(upper.get("y")) + float(upper.get("height")) == pytest.approx(float(lower.get("y")))
    assert float(lower.get("x")) == float(upper.get("x"))


def test_markup_is_escaped_and_the_svg_stays_well_formed():
    chart = Chart(title="<script>&", x_label="Mois", y_label="A & B", labels=["<b>"], series=[Series("x<y", [1])])
    root = ET.fromstring(chart_svg(chart, dom_id="c"))
    assert root.find(f"{SVG}title").text == "<script>&"
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c-t c-d"


def test_an_empty_chart_draws_axes_without_dividing_by_zero():
    chart = Chart(title="Rien", x_label="Mois", y_label="Commandes", labels=["déc. 2025"], series=[])
    root = ET.fromstring(chart_svg(chart, dom_id="c"))
    assert rects(chart_svg(chart, dom_id="c")) == []
    assert "maximum 0" in root.find(f"{SVG}desc").text
    html = bar_chart(chart)
    assert "Voir les chiffres" in html and 'id="chart-rien-t"' in html


def test_money_axis_in_whole_euros():
    chart = Chart(title="CA", x_label="Mois", y_label="Euros", labels=["nov. 2026"], series=[Series("TTC", [123456])],
                  unit=EUROS)
    root = ET.fromstring(chart_svg(chart, dom_id="c"))
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks == ["0\u00a0€", "500\u00a0€", "1\u202f000\u00a0€", "1\u202f500\u00a0€"]


@pytest.mark.parametrize(("largest", "unit", "step"), [(0, "count", 1), (3, "count", 1), (40, "count", 10),
                                                        (123456, EUROS, 50000), (50, EUROS, 100)])
def test_axis_step_is_round(largest, unit, step):
    assert axis_step(largest, unit) == step


@pytest.mark.parametrize(("value", "unit", "text"), [
    (None, "count", "—"), (1234, "count", "1\u202f234"), (12.5, "percent", "12,5\u00a0%"),
    (25.0, "percent", "25\u00a0%"), (0.25, "hours", "15\u00a0min"), (3.5, "hours", "3,5\u00a0h"),
    (123456, EUROS, "1\u202f234,56\u00a0€"),
])
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text
