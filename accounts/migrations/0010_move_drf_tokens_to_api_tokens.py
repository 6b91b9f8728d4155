"""Existing DRF tokens (one per user, stored in clear) become ApiTokens stored as hashes, so the
integrations using them keep working, for one API_TOKEN_TTL_DAYS from this migration; the
clear-text rows are then deleted. Not reversible: the keys are no longer known."""
import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def move(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("accounts", "ApiToken")
    expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    ApiToken.objects.bulk_create([
        ApiToken(user_id=token.user_id, name="API token (from before token rotation)",
                 digest=hashlib.sha256(token.key.encode()).hexdigest(), prefix=token.key[:4],
                 created_at=token.created, expires_at=expires_at)
        for token in Token.objects.iterator()
    ], batch_size=500)
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_api_tokens_and_notification_preferences"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(move, migrations.RunPython.noop, elidable=True)]
