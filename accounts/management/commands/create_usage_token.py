"""python manage.py create_usage_token NAME: a key for Aragora's platform to report usage with
(POST /api/v1/usage/ and nothing else). The key is printed once; only its hash is kept."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import usage_token_create


class Command(BaseCommand):
    help = "Create an API token that may only report usage (POST /api/v1/usage/); prints the key once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="What uses it, e.g. 'platform usage exporter'.")
        parser.add_argument("--days", type=int, default=365, help="Days until it expires (default 365).")

    def handle(self, *args, name, days, **options):
        if not 1 <= days <= 3650:
            raise CommandError("--days must be between 1 and 3650.")
        try:
            token, key = usage_token_create(name=name, days=days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(key)
        self.stderr.write(f"Token {token.prefix}… ({token.name}) expires {token.expires_at:%Y-%m-%d}; "
                          "it reports usage only. Revoke it in the admin (API tokens).")
