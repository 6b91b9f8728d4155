"""Server-side SVG charts of the team's figures (pygal), for the staff dashboard, the customer's
portal page and later the QBR and monthly-report PDFs (WeasyPrint renders the same SVG). Pure:
takes the metrics reader's (month, figures) rows, returns SVG text; no Django, no script (the
SVG is static, so it prints and works with JavaScript off)."""
from __future__ import annotations

import re

import pygal
from pygal.style import Style

from . import figures

STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#344054",
    foreground_strong="#101828", foreground_subtle="#d0d5dd", opacity=".85", opacity_hover="1",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    title_font_size=16, label_font_size=12, major_label_font_size=12, legend_font_size=12,
    value_font_size=11, tooltip_font_size=12,
    colors=("#4f46e5", "#0e9384", "#c4320a", "#8a6100", "#475467", "#b42318"),
)
SEVERITY_COLOURS = ("#b42318", "#c4320a", "#8a6100", "#475467")


def _config(title: str, **extra) -> dict:
    return dict(title=title, style=STYLE, js=[], disable_xml_declaration=True, width=640, height=330,
                legend_at_bottom=True, legend_at_bottom_columns=4, show_y_guides=True, truncate_label=-1,
                truncate_legend=-1, no_data_text="No data for this period", margin=12, margin_right=28,
                margin_bottom=18, spacing=8, **extra)


def _labels(months) -> list[str]:
    return [month.strftime("%b %Y") for month, _ in months]


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


def _render(chart) -> str:
    # pygal always embeds a script with its config (for tooltips); the charts are read, printed
    # and put in PDFs, and a Content-Security-Policy would refuse inline script anyway.
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def durations_chart(months, part: str, title: str) -> str:
    """p50 and p90 of `part` ("first_response" or "resolution") per month, in hours."""
    chart = pygal.Line(**_config(title, y_title="hours", dots_size=3, allow_interruptions=True))
    chart.x_labels = _labels(months)
    for kind, label in (("business", "business"), ("calendar", "calendar")):
        for pct in ("p50", "p90"):
            chart.add(f"{pct} {label}", [figures.hours(f[part][kind][f"{pct}_seconds"]) for _, f in months])
    return _render(chart)


def satisfaction_chart(months) -> str:
    chart = pygal.Line(**_config("CSAT and NPS", range=(-100, 100), dots_size=3, allow_interruptions=True))
    chart.x_labels = _labels(months)
    chart.add("CSAT (% satisfied)", [f["csat"]["percent_satisfied"] for _, f in months])
    chart.add("NPS", [f["nps"]["score"] for _, f in months])
    return _render(chart)


def volume_chart(months) -> str:
    style = Style(**{**STYLE.__dict__, "colors": SEVERITY_COLOURS})
    chart = pygal.StackedBar(**{**_config("Tickets opened by severity"), "style": style})
    chart.x_labels = _labels(months)
    severities = list(months[0][1]["volume"]["by_severity"]) if months else []
    for code in severities:
        chart.add(code, [f["volume"]["by_severity"][code] for _, f in months])
    return _render(chart)


def sla_chart(months) -> str:
    chart = pygal.Bar(**_config("SLA met (% of clocks judged) and reopen rate", range=(0, 100)))
    chart.x_labels = _labels(months)
    met, reopened = [], []
    for _, f in months:
        judged = [(r["met"], r["met"] + r["breached"]) for r in f["sla_attainment"]]
        met.append(figures.percent(sum(m for m, _ in judged), sum(j for _, j in judged)))
        reopened.append(f["reopen_rate"]["percent"])
    chart.add("SLA met %", met)
    chart.add("Reopened %", reopened)
    return _render(chart)


def all_charts(months) -> dict[str, str]:
    return {
        "first_response": durations_chart(months, "first_response", "First response time"),
        "resolution": durations_chart(months, "resolution", "Time to resolution"),
        "satisfaction": satisfaction_chart(months),
        "volume": volume_chart(months),
        "sla": sla_chart(months),
    }
