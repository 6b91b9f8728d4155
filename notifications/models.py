"""The notifications outbox: one row per message to send, written in the transaction of the event
that caused it (DESIGN.md, "The core flow" 4), sent after commit by a Celery task."""
from django.db import models
from django.utils import timezone


class NotificationChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack"
    PAGER = "pager", "Pager"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    key = models.CharField(
        max_length=255,
        help_text="Idempotency key: the same event for the same recipient is one row, however often it is enqueued.",
    )
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)
    recipient = models.CharField(max_length=255, help_text="Email address, Slack channel, or pager routing key.")
    template = models.CharField(max_length=100)
    context = models.JSONField(default=dict, blank=True)
    # Rendered at enqueue time: what is sent is what was decided in the event's transaction.
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications",
    )
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        default=timezone.now, help_text="A queued row is due for the outbox flush from this time.",
    )
    lease_expires_at = models.DateTimeField(
        null=True, blank=True,
        help_text="While sending: after this the sender is presumed dead and the row is sent again.",
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=255, blank=True, help_text="Slack ts, email Message-ID, pager dedup key.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Partial indexes: the flush reads only what is due, however many rows are sent.
            models.Index(fields=["next_attempt_at"], name="notif_queued_due",
                         condition=models.Q(status=NotificationStatus.QUEUED)),
            models.Index(fields=["lease_expires_at"], name="notif_sending_lease",
                         condition=models.Q(status=NotificationStatus.SENDING)),
            # The admin's list: newest first, and the failed rows someone has to look at.
            models.Index(fields=["-created_at", "-id"], name="notif_recent"),
            models.Index(fields=["-created_at"], name="notif_failed_recent",
                         condition=models.Q(status=NotificationStatus.FAILED)),
        ]
        # A constraint rather than unique=True: on PostgreSQL that would add a second, LIKE index.
        constraints = [models.UniqueConstraint(fields=["key"], name="uniq_notification_key")]

    def __str__(self):
        return f"{self.channel} to {self.recipient} ({self.template}, {self.status})"
