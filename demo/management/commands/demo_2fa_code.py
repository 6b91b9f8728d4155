"""The current two-factor code of a demo account: `manage.py demo_2fa_code support`.

The demo's staff accounts share a published TOTP secret (seed_demo.DEMO_TOTP_SECRET) so that
anyone trying `make run` can sign in to the back-office without a phone. Demo only: it refuses
unless ARAGORA_DEMO is on, since it reads an account's secret."""
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User


def current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))  # the middle: now


class Command(BaseCommand):
    help = "Print the current two-factor (TOTP) code of a demo account (ARAGORA_DEMO=1 only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.ARAGORA_DEMO:
            raise CommandError("demo_2fa_code is for the demo only (ARAGORA_DEMO=1): it reads an account's secret.")
        authenticator = Authenticator.objects.filter(
            user__in=User.objects.filter(username__iexact=username), type=Authenticator.Type.TOTP).first()
        if authenticator is None:
            raise CommandError(f"{username!r} has no authenticator app (seed_demo gives one to every demo staff account).")
        self.stdout.write(current_code(decrypt(authenticator.data["secret"])))
