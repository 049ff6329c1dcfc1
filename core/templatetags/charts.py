"""Bar charts drawn on the server as SVG: `{% load charts %}{% bar_chart chart %}`.

No JavaScript library and nothing from a CDN: the chart is markup the
browser scales (viewBox), with a title and description for screen readers,
each bar's value in its <title> (shown on hover), and the figures again in a
table under a <details> for whoever cannot read the bars.
"""

import math

from django import template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.dashboard import EUROS, format_value
from core.templatetags.formatting import NBSP, integer

register = template.Library()

WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 74, 8, 12, 52
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
# Told apart from white by at least 3:1 (WCAG 1.4.11, graphics).
PALETTE = ("#1f5fa8", "#c2570c", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#3f51b5", "#827717")


def series_color(index):
    return PALETTE[index % len(PALETTE)]


def axis_step(largest, unit):
    """A round step (1, 2 or 5 × 10ⁿ) giving about four gridlines; whole
    units (one order, one euro) at least."""
    smallest = 100 if unit == EUROS else 1
    rough = max(largest / 4, smallest)
    magnitude = 10 ** math.floor(math.log10(rough))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)


def axis_label(value, unit):
    if unit == EUROS:
        return f"{integer(value // 100)}{NBSP}€"
    return integer(value)


def _num(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")


def chart_svg(chart, *, dom_id):
    labels, series = chart.labels, chart.series
    per_label = [[s.values[i] for s in series] for i in range(len(labels))]
    largest = max(((sum(v) if chart.stacked else max(v, default=0)) for v in per_label), default=0)
    step = axis_step(largest, chart.unit)
    top_value = step * max(1, math.ceil(largest / step))

    def y(value):
        return TOP + PLOT_H - value / top_value * PLOT_H

    parts = [format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-t {}-d" '
        'xmlns="http://www.w3.org/2000/svg" font-size="12" fill="currentColor">'
        '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>',
        WIDTH, HEIGHT, dom_id, dom_id, dom_id, chart.title, dom_id,
        _("%(y)s par %(x)s, de %(first)s à %(last)s ; maximum %(max)s.") % {
            "y": chart.y_label, "x": str(chart.x_label).lower(), "first": labels[0] if labels else "",
            "last": labels[-1] if labels else "", "max": format_value(largest, chart.unit)},
    )]
    for tick in range(0, top_value + 1, step):
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="currentColor" stroke-opacity="0.2"/>'
            '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
            LEFT, WIDTH - RIGHT, _num(y(tick)), _num(y(tick)), LEFT - 6, _num(y(tick)), axis_label(tick, chart.unit),
        ))
    slot = PLOT_W / max(len(labels), 1)
    for i, label in enumerate(labels):
        x0 = LEFT + i * slot
        if chart.stacked:
            width, base = slot * 0.7, 0
        else:
            width = slot * 0.8 / max(len(series), 1)
        for j, (serie, value) in enumerate(zip(series, per_label[i], strict=True)):
            if chart.stacked:
                x, bottom, base = x0 + slot * 0.15, base, base + value
            else:
                x, bottom = x0 + slot * 0.1 + j * width, 0
            if value:
                parts.append(format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} — {} : {}</title></rect>',
                    _num(x), _num(y(bottom + value)), _num(width), _num(y(bottom) - y(bottom + value)),
                    series_color(j), label, serie.name, format_value(value, chart.unit),
                ))
        # "juil. 2026": the month above the year, so twelve months fit.
        first, _space, second = str(label).partition(" ")
        parts.append(format_html(
            '<text class="x-tick" x="{}" y="{}" text-anchor="middle" font-size="11">{}<tspan x="{}" dy="13">{}</tspan></text>',
            _num(x0 + slot / 2), TOP + PLOT_H + 16, first, _num(x0 + slot / 2), second,
        ))
    parts.append(format_html(
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="currentColor"/>'
        '<text x="{}" y="{}" text-anchor="middle">{}</text>'
        '<text transform="translate(14 {}) rotate(-90)" text-anchor="middle">{}</text></svg>',
        LEFT, WIDTH - RIGHT, TOP + PLOT_H, TOP + PLOT_H,
        LEFT + PLOT_W / 2, HEIGHT - 8, chart.x_label, TOP + PLOT_H / 2, chart.y_label,
    ))
    return mark_safe("".join(parts))  # noqa: S308 — every value went through format_html


def chart_table(chart):
    head = "".join(format_html('<th scope="col">{}</th>', s.name) for s in chart.series)
    rows = "".join(
        format_html("<tr><th scope=\"row\">{}</th>{}</tr>", label, mark_safe("".join(  # noqa: S308
            format_html("<td>{}</td>", format_value(s.values[i], chart.unit)) for s in chart.series)))
        for i, label in enumerate(chart.labels)
    )
    return format_html(
        '<details class="chart-data"><summary>{}</summary><table><thead><tr><th scope="col">{}</th>{}</tr></thead>'
        "<tbody>{}</tbody></table></details>",
        _("Voir les chiffres"), chart.x_label, mark_safe(head), mark_safe(rows),  # noqa: S308
    )


def chart_legend(chart):
    items = "".join(
        format_html(
            '<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{}"/></svg>{}</li>',
            series_color(j), s.name,
        )
        for j, s in enumerate(chart.series)
    )
    return format_html('<ul class="chart-legend">{}</ul>', mark_safe(items))  # noqa: S308


@register.simple_tag
def bar_chart(chart):
    dom_id = f"chart-{slugify(str(chart.title))}"
    return format_html("<figure class=\"chart-figure\">{}{}{}</figure>",
                       chart_svg(chart, dom_id=dom_id), chart_legend(chart), chart_table(chart))



# language -> (the figures' version, their markup): the sections of the last
# figures only, so old ones do not pile up in the process.
_drawn_sections = {}


@register.simple_tag(takes_context=True)
def dashboard_sections(context):
    """admin/_dashboard_sections.html, drawn once per computation of the
    figures (core.dashboard.CachedDashboard.version) and language in this
    process: the same figures give the same markup to every member of the
    team, and drawing the charts was half the page's time."""
    if "dashboard_version" not in context:  # an application's page (admin/app_index.html extends the index)
        return ""
    language, version = translation.get_language(), context["dashboard_version"]
    drawn = _drawn_sections.get(language)
    if drawn is None or drawn[0] != version:
        html = render_to_string("admin/_dashboard_sections.html", {"dashboard_sections": context["dashboard_sections"]})
        drawn = _drawn_sections[language] = (version, html)
    return drawn[1]
