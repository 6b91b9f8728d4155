"""Absolute links to the portal for mail, Slack posts and calendar feeds.

Built on settings.SITE_URL, never on a request: most are made in background tasks, which have
none, and a link must not depend on which Host header a request happened to carry."""
from django.conf import settings
from django.urls import reverse


def absolute_url(viewname: str, *args) -> str:
    return f"{settings.SITE_URL}{reverse(viewname, args=args or None)}"
