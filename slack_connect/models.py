from django.db import models
from django.utils import timezone


class SlackThread(models.Model):
    """A ticket's thread in an organisation's Slack Connect channel: replies there join the ticket."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="slack_threads")
    channel = models.CharField(max_length=50)
    thread_ts = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "thread_ts"], name="uniq_slack_thread")]


class SlackEvent(models.Model):
    """Events already handled: Slack retries a delivery it thinks failed, with the same id."""

    event_id = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=100)
