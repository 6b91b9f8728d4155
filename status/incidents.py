"""Writes to incidents: open, post an update (status, impact, affected components), correct the
times afterwards (the review). Each update is public: the status page shows it, subscribers and
the affected Enterprise organisations' Slack Connect channels hear of it (status.notices), and
apps above (tickets: the linked tickets' requesters) react through status.events."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import require_staff
from notifications.services import notification_enqueue_many

from . import events, notices
from .models import Component, ComponentStatus, Impact, Incident, IncidentComponent, IncidentStatus, IncidentUpdate

STAFF_ONLY = "Only support staff can publish incidents."


def _components(components) -> dict[Component, str]:
    """{component: its status in the incident} from a mapping, or a list (degraded by default)."""
    if components is None:
        return {}
    if not isinstance(components, dict):
        components = {c: ComponentStatus.DEGRADED for c in components}
    out = {}
    for component, status in components.items():
        if not isinstance(component, Component):
            raise ValidationError({"components": "Choose the platform's components."})
        if status not in ComponentStatus.values:
            raise ValidationError({"components": f"Unknown component status {status!r}."})
        out[component] = status
    return out


def _check(*, title=None, body=None, status=None, impact=None) -> None:
    errors = {}
    if title is not None and not title.strip():
        errors["title"] = "Give the incident a title customers will understand."
    if body is not None and not (body or "").strip():
        errors["body"] = "Write what customers should know."
    if status is not None and status not in IncidentStatus.values:
        errors["status"] = f"Status is one of {', '.join(IncidentStatus.values)}."
    if impact is not None and impact not in Impact.values:
        errors["impact"] = f"Impact is one of {', '.join(Impact.values)}."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def incident_open(*, actor, title: str, body: str, impact: str = Impact.MINOR, components=None,
                  status: str = IncidentStatus.INVESTIGATING, started_at=None) -> Incident:
    """A new incident with its first public update."""
    require_staff(actor, STAFF_ONLY)
    _check(title=title, body=body, status=status, impact=impact)
    if status == IncidentStatus.RESOLVED:
        raise ValidationError({"status": "A new incident starts unresolved; resolve it with an update."})
    now = timezone.now()
    started_at = started_at or now
    if started_at > now:
        raise ValidationError({"started_at": "An incident cannot start in the future."})
    affected = _components(components)
    incident = Incident.objects.create(title=title.strip(), impact=impact, status=status, started_at=started_at,
                                       created_at=now, updated_at=now)
    IncidentComponent.objects.bulk_create(IncidentComponent(incident=incident, component=c, status=s)
                                          for c, s in affected.items())
    _publish(incident, IncidentUpdate.objects.create(incident=incident, status=status, body=body.strip(),
                                                     posted_by=actor, created_at=now))
    return incident


@transaction.atomic
def incident_update_post(*, incident: Incident, actor, body: str, status: str | None = None,
                         impact: str | None = None, components=None, resolves: bool = False) -> IncidentUpdate:
    """A public update; it may move the status (resolved ends the incident), change the impact
    or the affected components and their status. `resolves` is status=resolved."""
    require_staff(actor, STAFF_ONLY)
    if resolves:
        status = IncidentStatus.RESOLVED
    _check(body=body, status=status, impact=impact)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.resolved_at is not None:
        raise ValidationError("This incident is resolved; a new problem gets a new incident.")
    now = timezone.now()
    fields = ["updated_at"]
    incident.updated_at = now
    if status:
        incident.status = status
        fields.append("status")
        if status == IncidentStatus.RESOLVED:
            incident.resolved_at = max(now, incident.started_at)
            fields.append("resolved_at")
    if impact:
        incident.impact = impact
        fields.append("impact")
    incident.save(update_fields=fields)
    if components is not None:
        affected = _components(components)
        IncidentComponent.objects.filter(incident=incident).exclude(component__in=list(affected)).delete()
        for component, component_status in affected.items():
            IncidentComponent.objects.update_or_create(incident=incident, component=component,
                                                       defaults={"status": component_status})
    update = IncidentUpdate.objects.create(incident=incident, status=incident.status, body=body.strip(),
                                           posted_by=actor, created_at=now)
    _publish(incident, update)
    return update


@transaction.atomic
def incident_correct(*, incident: Incident, actor, started_at=None, resolved_at=None, postmortem=None) -> Incident:
    """The review: the real start and end (uptime and credits are computed from them) and the
    post-incident report. Times are corrected, not announced."""
    require_staff(actor, STAFF_ONLY)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    started_at = started_at or incident.started_at
    if resolved_at is not None and incident.resolved_at is None:
        raise ValidationError({"resolved_at": "Resolve the incident with an update first; then correct its end."})
    resolved_at = resolved_at or incident.resolved_at
    if resolved_at is not None and resolved_at < started_at:
        raise ValidationError({"resolved_at": "An incident cannot end before it starts."})
    if started_at > timezone.now():
        raise ValidationError({"started_at": "An incident cannot start in the future."})
    incident.started_at, incident.resolved_at = started_at, resolved_at
    if postmortem is not None:
        incident.postmortem = postmortem
    incident.updated_at = timezone.now()
    incident.save(update_fields=["started_at", "resolved_at", "postmortem", "updated_at"])
    return incident


@transaction.atomic
def incident_for_component(*, component: Component, title: str) -> Incident:
    """The open incident naming this component, or a new one (the ticket core's systemic-problem
    detection: related tickets are linked under it). A new one starts as investigating, minor
    impact, the component degraded: staff set the real impact, which is what uptime counts."""
    open_one = (Incident.objects.select_for_update().filter(resolved_at__isnull=True, affected__component=component)
                .order_by("started_at").first())
    if open_one:
        return open_one
    now = timezone.now()
    incident = Incident.objects.create(title=title, impact=Impact.MINOR, started_at=now, created_at=now, updated_at=now)
    IncidentComponent.objects.create(incident=incident, component=component, status=ComponentStatus.DEGRADED)
    return incident


def notice_context(incident: Incident, update: IncidentUpdate) -> dict:
    names = [a.component.name for a in incident.affected.select_related("component").order_by("component__name")]
    return {"incident_id": incident.pk, "title": incident.title, "component": ", ".join(names) or "Aragora",
            "components": names, "body": update.body, "status": update.status,
            "status_label": IncidentStatus(update.status).label, "impact": incident.impact,
            "resolves": update.status == IncidentStatus.RESOLVED, "audience": "customer"}


def _publish(incident: Incident, update: IncidentUpdate) -> None:
    # The apps above first: the ticket core's Slack post to an organisation with linked tickets
    # names them, and takes the channel's key, so that organisation hears once (notices.slack_specs).
    events.announce_incident_update(update)
    component_ids = set(incident.affected.values_list("component_id", flat=True))
    context = notice_context(incident, update)
    key = f"incident_update:{update.pk}"
    notification_enqueue_many(
        notices.email_specs(key=f"status_{key}", template="status_incident", context=context,
                            component_ids=component_ids)
        + notices.slack_specs(key=key, template="status_incident", context=context, component_ids=component_ids))
