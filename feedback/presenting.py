"""What the staff dashboard and the customer's figures page show, built once from the metrics
reader: headline cards, the charts, and the SLA attainment table."""
from django.utils.safestring import mark_safe

from . import charts, figures, metrics


def _pair(part: dict, kind: str = "business") -> str:
    return (f"{figures.format_duration(part[kind]['p50_seconds'])} / "
            f"{figures.format_duration(part[kind]['p90_seconds'])}")


def _pct(value):
    return "—" if value is None else f"{value:g} %"


def cards(total: dict) -> list[dict]:
    row = metrics.flat(total)
    fr, res = total["first_response"], total["resolution"]
    return [
        {"label": "Tickets opened", "value": str(total["tickets_opened"])},
        {"label": "First response p50 / p90 (business)",
         "value": _pair(fr), "detail": f"calendar {_pair(fr, 'calendar')} · {fr['count']} responses"},
        {"label": "Resolution p50 / p90 (business)",
         "value": _pair(res), "detail": f"calendar {_pair(res, 'calendar')} · {res['count']} resolved"},
        {"label": "SLA met", "value": _pct(row["sla_percent_met"]),
         "detail": f"{row['sla_met']} met · {row['sla_breached']} breached · {row['sla_open']} open"},
        {"label": "CSAT", "value": _pct(total["csat"]["percent_satisfied"]),
         "detail": f"{total['csat']['responses']} ratings"},
        {"label": "NPS", "value": "—" if total["nps"]["score"] is None else f"{total['nps']['score']:+g}",
         "detail": f"{total['nps']['responses']} answers"},
        {"label": "Reopen rate", "value": _pct(total["reopen_rate"]["percent"]),
         "detail": f"{total['reopen_rate']['reopened']} of {total['reopen_rate']['resolved']} resolved"},
    ]


def sla_rows(total: dict) -> list[dict]:
    return [{**r, "percent": _pct(r["percent_met"])} for r in total["sla_attainment"]]


def figures_context(scope: metrics.Scope) -> dict:
    total, months = metrics.report(scope)
    return {
        "scope": scope, "total": total, "months": months, "cards": cards(total), "sla_rows": sla_rows(total),
        "charts": {name: mark_safe(svg) for name, svg in charts.all_charts(months).items()},  # svgchart escapes every text
        "month_rows": [{"month": m, "row": metrics.flat(f), "first_response": _pair(f["first_response"]),
                        "resolution": _pair(f["resolution"])} for m, f in months],
    }
