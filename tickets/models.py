"""Tickets, their thread (replies and internal notes), attachments and the append-only event log."""
from datetime import datetime, timezone as dt_timezone

from django.conf import settings
from django.db import models
from django.db.models.functions import Least
from django.utils import timezone


class Status(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = [Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER]


class SeverityCode(models.TextChoices):
    # The codes are fixed by the guide; their names and definitions live in accounts.Severity.
    P1 = "P1", "P1 - Critical"
    P2 = "P2", "P2 - High"
    P3 = "P3", "P3 - Medium"
    P4 = "P4", "P4 - Low"


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"
    API = "api", "API"
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack"
    PHONE = "phone", "Phone"


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"


class Queue(models.TextChoices):
    STANDARD = "standard", "Standard"
    PRIORITY = "priority", "Priority"  # the guide's Priority Queue, routed to senior engineers


# A due time later than any real one: "no clock running" sorts last, and the stored column is
# never null (SQLite's MIN() is null when any argument is).
NO_DUE = datetime(9999, 1, 1, tzinfo=dt_timezone.utc)


def _queue_due():
    def running(due_field: str, is_running: models.Q):
        return models.Case(models.When(is_running & models.Q(**{f"{due_field}__isnull": False}), then=models.F(due_field)),
                           default=models.Value(NO_DUE), output_field=models.DateTimeField())

    open_ = ~models.Q(status__in=["resolved", "closed"])  # a resolved ticket waits on nobody
    return Least(
        running("ack_due_at", open_ & models.Q(acknowledged_at__isnull=True)),
        running("response_due_at", open_ & models.Q(first_response_at__isnull=True)),
        running("resolution_due_at", models.Q(status__in=["new", "acknowledged", "in_progress"])),
    )


class Ticket(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="tickets")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_tickets"
    )
    subject = models.CharField(max_length=200)
    description = models.TextField()
    severity = models.CharField(max_length=2, choices=SeverityCode.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    environment = models.CharField(max_length=10, choices=Environment.choices, default=Environment.PRODUCTION)
    affected_users = models.CharField(max_length=100, blank=True, help_text="Number or percentage.")
    business_impact = models.TextField(blank=True)
    already_tried = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_tickets", limit_choices_to={"is_staff": True},
    )
    queue = models.CharField(max_length=10, choices=Queue.choices, default=Queue.STANDARD)
    # default, not auto_now_add: imports and scale data keep their real creation times.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    component = models.ForeignKey("status.Component", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets")
    incident = models.ForeignKey("status.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")

    # SLA clocks (tickets/sla/). Due and warn times are computed when an input changes and
    # stored; null = no target applies. Each clock stops at its *_at moment.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    ack_due_at = models.DateTimeField(null=True, blank=True)
    ack_warn_at = models.DateTimeField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    # The resolution clock stops while waiting on the customer and while resolved; the coverage
    # time spent stopped is added to its due time when it runs again.
    resolution_paused_at = models.DateTimeField(null=True, blank=True)
    resolution_paused_seconds = models.FloatField(default=0)
    # When the sweep recorded each warning and breach: each is recorded once.
    ack_warned_at = models.DateTimeField(null=True, blank=True)
    ack_breached_at = models.DateTimeField(null=True, blank=True)
    response_warned_at = models.DateTimeField(null=True, blank=True)
    response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=1)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    # The earliest moment the sweep has something to do for this ticket; null = nothing pending.
    sla_next_check_at = models.DateTimeField(null=True, blank=True)
    # Scoped to the requester: the same key from two people is two different requests.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, editable=False)
    # The staff queue's order (selectors.tickets_by_urgency): the nearest due time of a running
    # clock, NO_DUE when none runs. Kept by the database and indexed with the queue's tie-breaks,
    # so the queue's first page is an index scan at a million tickets instead of a sort (3.6 s).
    queue_due_at = models.GeneratedField(expression=_queue_due(), output_field=models.DateTimeField(),
                                         db_persist=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="ticket_org_recent"),
            models.Index(fields=["-created_at", "-id"], name="ticket_recent"),
            models.Index(fields=["queue_due_at", "severity", "created_at", "id"], name="ticket_queue_order"),
            models.Index(fields=["status", "queue"], name="ticket_status_queue"),
            # The sweep's only way in: partial, so its size is what is pending, not every ticket.
            models.Index(fields=["sla_next_check_at"], name="ticket_sla_next_check",
                         condition=models.Q(sla_next_check_at__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "idempotency_key"], name="uniq_ticket_idempotency_key",
                condition=models.Q(idempotency_key__isnull=False),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} [{self.severity}] {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Message(models.Model):
    """A public reply (seen by the customer) or an internal note (staff only)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    is_internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_time")]

    def __str__(self):
        # Shown as the thread's headings in the admin (its inline selects the author).
        author = self.author.get_full_name() or self.author.get_username() if self.author_id else "nobody"
        return f"{'Internal note' if self.is_internal else 'Reply'} on #{self.ticket_id} by {author}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Never the customer's file name on disk: only a random name under the ticket's folder.
    import uuid

    return f"attachments/{instance.ticket_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=attachment_path)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.filename


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    REPLIED = "replied", "Public reply"
    NOTE_ADDED = "note_added", "Internal note"
    ATTACHMENT_ADDED = "attachment_added", "Attachment added"
    ASSIGNED = "assigned", "Assigned"
    STATUS_CHANGED = "status_changed", "Status changed"
    SEVERITY_CHANGED = "severity_changed", "Severity changed"
    UPDATED = "updated", "Fields updated"
    SLA_WARNING = "sla_warning", "SLA at risk"
    SLA_BREACHED = "sla_breached", "SLA breached"
    ESCALATED = "escalated", "Escalated"
    INCIDENT_LINKED = "incident_linked", "Linked to an incident"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ticket events are append-only.")

    def delete(self):
        raise TypeError("Ticket events are append-only.")


class TicketEvent(models.Model):
    """Append-only log of every change to a ticket, with actor and time: the basis of metrics."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty for the system (e.g. the SLA sweep).",
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_time")]

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Ticket events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ticket events are append-only.")

    def __str__(self):
        return f"#{self.ticket_id} {self.get_kind_display().lower()}"  # its time is a column beside it
