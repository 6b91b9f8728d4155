"""The page as data, shaped like Atlassian Statuspage's /api/v2/summary.json (so tools that read
Statuspage read ours): page, status {indicator, description}, components, unresolved
incidents with their updates, and upcoming or active scheduled maintenances."""
from __future__ import annotations

from . import selectors

PAGE_ID = "aragora"


def _time(moment):
    return moment.isoformat() if moment else None


def _component(view) -> dict:
    c = view.component
    return {"id": str(c.pk), "name": c.name, "status": view.status, "description": c.description or None,
            "position": c.position, "group_id": None, "group": False, "only_show_if_degraded": False,
            "page_id": PAGE_ID, "showcase": True}


def _incident(incident, url: str) -> dict:
    affected = [{"id": str(a.component_id), "name": a.component.name, "status": a.status}
                for a in incident.affected.all()]
    return {"id": str(incident.pk), "name": incident.title, "status": incident.status, "impact": incident.impact,
            "created_at": _time(incident.created_at), "updated_at": _time(incident.updated_at),
            "started_at": _time(incident.started_at), "resolved_at": _time(incident.resolved_at),
            "shortlink": f"{url}#incident-{incident.pk}", "page_id": PAGE_ID, "components": affected,
            "incident_updates": [{"id": str(u.pk), "incident_id": str(incident.pk), "status": u.status,
                                  "body": u.body, "created_at": _time(u.created_at),
                                  "updated_at": _time(u.created_at), "display_at": _time(u.created_at)}
                                 for u in reversed(list(incident.updates.all()))]}


def _maintenance(window, url: str) -> dict:
    return {"id": str(window.pk), "name": window.title, "status": window.status, "impact": "maintenance",
            "created_at": _time(window.created_at), "updated_at": _time(window.announced_at or window.created_at),
            "scheduled_for": _time(window.starts_at), "scheduled_until": _time(window.ends_at),
            "shortlink": f"{url}#maintenance-{window.pk}", "page_id": PAGE_ID,
            "components": [{"id": str(c.pk), "name": c.name} for c in window.components.all()],
            "incident_updates": [{"id": f"{window.pk}-1", "status": window.status, "body": window.description,
                                  "created_at": _time(window.announced_at or window.created_at)}]}


def summary(url: str) -> dict:
    view = selectors.page(bar_days=0, history=False)  # the bars and the history are the page's
    return {
        "page": {"id": PAGE_ID, "name": "Aragora", "url": url, "time_zone": "Etc/UTC",
                 "updated_at": _time(view.updated_at)},
        "status": {"indicator": view.indicator, "description": view.description},
        "components": [_component(c) for c in view.components],
        "incidents": [_incident(i, url) for i in view.incidents],
        "scheduled_maintenances": [_maintenance(w, url) for w in view.maintenances],
    }
