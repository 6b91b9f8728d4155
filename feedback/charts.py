"""The team's figures as charts, for the staff dashboard, the customer's portal page and the QBR
and monthly-report PDFs (WeasyPrint renders the same SVG). Pure: takes the metrics reader's
(month, figures) rows, returns SVG text; no Django, no script (the SVG is static, so it prints
and works with JavaScript off). Drawn by feedback.svgchart (why not pygal: its docstring)."""
from __future__ import annotations

from . import figures
from .svgchart import Chart, Style

STYLE = Style()
SEVERITY_COLOURS = ("#b42318", "#c4320a", "#8a6100", "#475467")


def month_labels(months) -> list[str]:
    """"Jan", "Feb", …, with the year under the first month and under each January."""
    out = []
    for i, (month, _) in enumerate(months):
        out.append(f"{month:%b}\n{month:%Y}" if i == 0 or month.month == 1 else f"{month:%b}")
    return out


def durations_chart(months, part: str, title: str, style: Style = STYLE) -> str:
    """p50 and p90 of `part` ("first_response" or "resolution") per month, in hours."""
    chart = Chart(title, month_labels(months), y_title="hours", unit=" h", style=style)
    for kind in ("business", "calendar"):
        for pct in ("p50", "p90"):
            chart.add(f"{pct} {kind}", [figures.hours(f[part][kind][f"{pct}_seconds"]) for _, f in months])
    return chart.render()


def satisfaction_chart(months, style: Style = STYLE) -> str:
    chart = Chart("CSAT and NPS", month_labels(months), y_range=(-100, 100), style=style)
    chart.add("CSAT (% satisfied)", [f["csat"]["percent_satisfied"] for _, f in months])
    chart.add("NPS", [f["nps"]["score"] for _, f in months])
    return chart.render()


def volume_chart(months, style: Style = STYLE) -> str:
    chart = Chart("Tickets opened by severity", month_labels(months), kind="stacked", style=style)
    severities = list(months[0][1]["volume"]["by_severity"]) if months else []
    for code, colour in zip(severities, SEVERITY_COLOURS * 2):
        chart.add(code, [f["volume"]["by_severity"][code] for _, f in months], colour)
    return chart.render()


def sla_chart(months, style: Style = STYLE) -> str:
    chart = Chart("SLA met (% of clocks judged) and reopen rate", month_labels(months), kind="bar",
                  y_range=(0, 100), unit=" %", style=style)
    met, reopened = [], []
    for _, f in months:
        judged = [(r["met"], r["met"] + r["breached"]) for r in f["sla_attainment"]]
        met.append(figures.percent(sum(m for m, _ in judged), sum(j for _, j in judged)))
        reopened.append(f["reopen_rate"]["percent"])
    chart.add("SLA met %", met)
    chart.add("Reopened %", reopened)
    return chart.render()


def all_charts(months, style: Style = STYLE) -> dict[str, str]:
    return {
        "first_response": durations_chart(months, "first_response", "First response time", style),
        "resolution": durations_chart(months, "resolution", "Time to resolution", style),
        "satisfaction": satisfaction_chart(months, style),
        "volume": volume_chart(months, style),
        "sla": sla_chart(months, style),
    }
