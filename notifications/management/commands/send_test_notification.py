"""Check a channel end to end: `manage.py send_test_notification slack C0123456`.

The message goes through the outbox like any other, so a worker sends it; its row in the admin
shows whether it was sent, or the provider's error.
"""
import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from notifications.models import NotificationChannel
from notifications.services import notification_enqueue


class Command(BaseCommand):
    help = "Queue a test notification to one recipient on one channel (email, slack or pager)."

    def add_arguments(self, parser):
        parser.add_argument("channel", choices=NotificationChannel.values)
        parser.add_argument("recipient", help="Email address, Slack channel id, or pager routing key.")
        parser.add_argument("--sent-by", default="", help="Shown in the message.")

    def handle(self, *args, channel, recipient, sent_by, **options):
        try:
            with transaction.atomic():
                notification = notification_enqueue(
                    key=f"test_message:{uuid.uuid4().hex}", channel=channel, recipient=recipient,
                    template="test_message", context={"sent_by": sent_by},
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Queued notification #{notification.pk} ({notification.key}).")
