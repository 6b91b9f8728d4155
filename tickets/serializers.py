from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.fields import StrictBooleanField, StrictCharField, StrictInput, StrictSlugRelatedField
from status.models import Component

from .models import (
    Attachment, Environment, EventKind, Message, Queue, SeverityCode, Status, Ticket, TicketEvent,
)
from .sla import clocks


class SlaClockSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField(allow_null=True, help_text="Null: no target applies.")
    state = serializers.ChoiceField(choices=["on_track", "at_risk", "breached", "paused", "met", "none"])
    stopped_at = serializers.DateTimeField(allow_null=True)


class SlaSerializer(serializers.Serializer):
    acknowledgement = SlaClockSerializer()
    response = SlaClockSerializer()
    resolution = SlaClockSerializer()


class EscalationSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    title = serializers.CharField()
    trigger = serializers.ChoiceField(
        choices=["elapsed", "customer_request", "p1_not_acknowledged", "p1_not_resolved", "systemic"])
    reason = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField()


class TicketSerializer(serializers.ModelSerializer):
    """What a ticket looks like in the API (customers and staff alike; internal fields are none)."""

    organization = serializers.CharField(source="organization.account_id", read_only=True)
    requester = serializers.CharField(source="requester.username", read_only=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True, allow_null=True, default=None)
    component = serializers.CharField(source="component.name", read_only=True, allow_null=True, default=None)
    incident = serializers.IntegerField(source="incident_id", read_only=True, allow_null=True)
    sla = serializers.SerializerMethodField()
    escalations = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id", "organization", "subject", "description", "severity", "status", "channel",
            "environment", "affected_users", "business_impact", "already_tried", "queue", "component",
            "incident", "requester", "assignee", "created_at", "updated_at", "resolved_at",
            "response_due_at", "resolution_due_at", "escalation_level", "sla", "escalations",
        ]
        read_only_fields = fields

    @extend_schema_field(SlaSerializer)
    def get_sla(self, obj) -> dict:
        return clocks.summary(obj, timezone.now())

    @extend_schema_field(EscalationSerializer(many=True))
    def get_escalations(self, obj) -> list:
        return escalation_history([obj.pk]).get(obj.pk, [])


# The list endpoint's hot path: rows straight from .values() shaped exactly as TicketSerializer
# shapes them (a test holds the two equal; datetimes stay datetimes, which the orjson renderer
# writes as DRF's fields do, "…Z"). DRF's field-by-field serializer cost ~8 ms for a page
# of 50; this costs well under 1 ms.
_RELATED = {"organization": "organization__account_id", "requester": "requester__username",
            "assignee": "assignee__username", "component": "component__name"}
_COMPUTED = {"sla", "escalations", "incident"}
# What clocks.summary reads, beyond the fields shown.
_SLA_INPUTS = ("incident_id", "ack_due_at", "ack_warn_at", "response_warn_at", "resolution_warn_at",
               "acknowledged_at", "first_response_at")


def ticket_values(queryset: QuerySet) -> QuerySet:
    plain = [f for f in TicketSerializer.Meta.fields if f not in _RELATED and f not in _COMPUTED]
    return queryset.values(*plain, *_SLA_INPUTS, **{f"_{name}": F(path) for name, path in _RELATED.items()})


def _iso(value):
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def ticket_rows(rows) -> list[dict]:
    fields = TicketSerializer.Meta.fields
    now = timezone.now()
    # Only a ticket above L1 has escalation history: every escalation raises the level, and
    # nothing lowers it. A page of L1 tickets (most pages) costs no query for it.
    history = escalation_history([row["id"] for row in rows if row["escalation_level"] > 1])
    out = []
    for row in rows:
        for name in _RELATED:
            row[name] = row.pop(f"_{name}")
        row["incident"] = row["incident_id"]
        row["sla"] = clocks.summary(SimpleNamespace(**row), now)
        row["escalations"] = history.get(row["id"], [])
        out.append({f: row[f] for f in fields})
    return out


def escalation_history(ticket_ids) -> dict[int, list[dict]]:
    """Each ticket's escalation steps, oldest first, in one query for any number of tickets."""
    out: dict[int, list[dict]] = {}
    if not ticket_ids:
        return out
    events = TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind=EventKind.ESCALATED).order_by("created_at", "id")
    for ticket_id, data, at in events.values_list("ticket_id", "data", "created_at"):
        out.setdefault(ticket_id, []).append({
            "level": data.get("level"), "title": data.get("title", ""), "trigger": data.get("trigger", ""),
            "reason": data.get("reason", ""), "at": _iso(at),
        })
    return out


class EscalationRequestSerializer(StrictInput, serializers.Serializer):
    reason = StrictCharField(max_length=2000, help_text="Why this needs escalating.")


class TicketCreateSerializer(StrictInput, serializers.Serializer):
    organization = StrictCharField(
        required=False, help_text="Account id (ara_...). Staff must give it; customers may omit it."
    )
    subject = StrictCharField(max_length=200)
    description = StrictCharField()
    severity = serializers.ChoiceField(choices=SeverityCode.choices)
    environment = serializers.ChoiceField(choices=Environment.choices, default=Environment.PRODUCTION)
    affected_users = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    business_impact = StrictCharField(required=False, allow_blank=True, default="")
    already_tried = StrictCharField(required=False, allow_blank=True, default="")
    component = StrictSlugRelatedField(
        slug_field="name", queryset=Component.objects.all(), required=False, allow_null=True, default=None,
        list_in_schema=True, help_text="The platform component affected (see the schema's list), if known.")


class TicketUpdateSerializer(StrictInput, serializers.Serializer):
    min_fields = 1
    subject = StrictCharField(max_length=200, required=False)
    severity = serializers.ChoiceField(choices=SeverityCode.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    environment = serializers.ChoiceField(choices=Environment.choices, required=False)
    affected_users = StrictCharField(max_length=100, required=False, allow_blank=True)
    business_impact = StrictCharField(required=False, allow_blank=True)
    already_tried = StrictCharField(required=False, allow_blank=True)
    queue = serializers.ChoiceField(choices=Queue.choices, required=False)
    assignee = StrictSlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_staff=True, is_active=True),
        required=False, allow_null=True, help_text="Username of an active staff member; null unassigns.",
    )


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    by_staff = serializers.BooleanField(source="author.is_staff", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "author", "by_staff", "body", "is_internal", "created_at"]
        read_only_fields = ["id", "author", "by_staff", "created_at"]


class MessageCreateSerializer(StrictInput, serializers.Serializer):
    body = StrictCharField()
    is_internal = StrictBooleanField(default=False, help_text="Internal note (staff only).")


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "message", "uploaded_by", "created_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        request = self.context.get("request")
        url = f"/api/v1/tickets/{obj.ticket_id}/attachments/{obj.pk}/download/"
        return request.build_absolute_uri(url) if request else url


class AttachmentUploadSerializer(StrictInput, serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="Checked for size by the service.")
    message = serializers.IntegerField(required=False, help_text="Id of a message of this ticket.")
