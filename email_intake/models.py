"""Every inbound message, kept raw and unchanged, with what became of it."""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Mailbox(models.TextChoices):
    SUPPORT = "support", "support@ (Pro)"
    ENTERPRISE = "enterprise", "enterprise-support@ (Enterprise queue)"


class Outcome(models.TextChoices):
    RECEIVED = "received", "Received"
    TICKET_CREATED = "ticket_created", "Ticket opened"
    REPLY_ADDED = "reply_added", "Reply added to a ticket"
    HELD = "held", "Held for verification"
    FREE_TIER = "free_tier", "Free tier: pointed to community channels"
    AUTO_IGNORED = "auto_ignored", "Auto-reply or bounce: ignored"
    QUARANTINED = "quarantined", "Quarantined"
    DISCARDED = "discarded", "Discarded by staff"


def raw_path(instance, filename):
    # Private storage (MEDIA_ROOT is never served); a random name, never the sender's.
    return f"inbound/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}.eml"


class InboundEmail(models.Model):
    mailbox = models.CharField(max_length=20, choices=Mailbox.choices)
    raw = models.FileField(upload_to=raw_path, help_text="The message exactly as received.")
    size = models.PositiveBigIntegerField()
    message_id = models.CharField(max_length=998, blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.RECEIVED)
    reason = models.TextField(blank=True, help_text="Why it was held, quarantined or ignored.")
    organization = models.ForeignKey("accounts.Organization", null=True, blank=True, on_delete=models.SET_NULL)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="inbound_emails")
    processed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text="Staff who reprocessed, verified or discarded it.")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["outcome", "-received_at"], name="inbound_outcome_recent")]
        constraints = [
            # The same Message-ID twice is one message: a re-polled or re-sent copy opens nothing.
            models.UniqueConstraint(fields=["message_id"], name="uniq_inbound_message_id",
                                    condition=~models.Q(message_id="")),
        ]

    def __str__(self):
        return f"{self.from_address or '?'}: {self.subject[:60]}"


class AutoReplyRecipient(models.Model):
    """When an address last got an automatic reply (the Free-tier answer). From is anyone's to
    write: answering every message would mail whoever an attacker names as often as they like
    (backscatter), so an address gets at most one per EMAIL_AUTO_REPLY_INTERVAL_HOURS, counted
    here rather than in a worker's memory (several workers, restarts)."""

    address = models.CharField(max_length=320)
    last_sent_at = models.DateTimeField()

    class Meta:
        # A constraint rather than unique=True: on PostgreSQL that would add a second, LIKE index.
        constraints = [models.UniqueConstraint(fields=["address"], name="uniq_auto_reply_address")]

    def __str__(self):
        return f"{self.address} (last automatic reply {self.last_sent_at:%Y-%m-%d %H:%M})"
