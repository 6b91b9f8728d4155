"""The charts of the QBR deck and the monthly report: SVG from the same chart code as the
metrics dashboard (feedback.charts, feedback.svgchart), drawn from a report's data (qbr.data's
plain values) in the project's own font. Pure: no Django."""
from __future__ import annotations

import datetime as dt

from feedback import charts, figures
from feedback.svgchart import Chart, Style

# Inter is what the PDFs embed (static/fonts/inter); the text width estimate fits it.
STYLE = Style(font_family="Inter, sans-serif", width=640, height=300)
TALL = Style(font_family="Inter, sans-serif", width=520, height=400)
USAGE_COLOURS = {"debates": "#4f46e5", "tokens": "#0e9384", "api_calls": "#c4320a"}


def _metric_months(rows: list[dict]) -> list[tuple[dt.date, dict]]:
    return [(dt.date.fromisoformat(r["month"]), r["figures"]) for r in rows]


def usage_chart(usage_months: list[dict], metric: str, title: str, style: Style = STYLE) -> str:
    """One metric per month (their scales differ by orders of magnitude: one chart each)."""
    months = [(dt.date.fromisoformat(r["month"]), r) for r in usage_months]
    chart = Chart(title, charts.month_labels(months), kind="bar", style=style)
    chart.add(title, [r[metric] for _, r in months], USAGE_COLOURS.get(metric))
    return chart.render()


def severity_percentiles_chart(by_severity: dict, part: str, title: str, style: Style = STYLE) -> str:
    """p50 and p90 (business hours, as the SLA counts them) of each severity."""
    codes = list(by_severity)
    chart = Chart(title, codes, kind="bar", y_title="hours of coverage", unit=" h", style=style)
    for pct in ("p50", "p90"):
        chart.add(pct, [figures.hours(by_severity[c][part]["business"][f"{pct}_seconds"]) for c in codes])
    return chart.render()


def support_charts(metric_months: list[dict], style: Style = STYLE) -> dict[str, str]:
    months = _metric_months(metric_months)
    return {"volume": charts.volume_chart(months, style), "sla": charts.sla_chart(months, style),
            "satisfaction": charts.satisfaction_chart(months, style),
            "first_response": charts.durations_chart(months, "first_response", "First response time", style)}


def qbr_charts(data: dict) -> dict[str, str]:
    usage = data["usage"]["months"]
    return {
        **{f"usage_{m['metric']}": usage_chart(usage, m["metric"], m["name"], TALL) for m in data["usage"]["metrics"]},
        "response_by_severity": severity_percentiles_chart(
            data["support"]["by_severity_percentiles"], "first_response", "First response by severity"),
        "resolution_by_severity": severity_percentiles_chart(
            data["support"]["by_severity_percentiles"], "resolution", "Resolution by severity"),
        **support_charts(data["support"]["months"]),
    }


def usage_report_charts(data: dict) -> dict[str, str]:
    return {f"usage_{m['metric']}": usage_chart(data["trend"], m["metric"], f"{m['name']}, last four months")
            for m in data["usage"]["metrics"]}
