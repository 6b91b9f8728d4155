"""The status page's Atom feed (django.contrib.syndication): incidents and public maintenance,
newest change first; an entry's content is its latest update."""
from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from . import selectors
from .models import Incident


class StatusFeed(Feed):
    feed_type = Atom1Feed
    title = "Aragora status"
    subtitle = "Incidents and planned maintenance of the Aragora platform."

    def link(self):
        return reverse("status:page")

    def items(self):
        entries = selectors.incidents_for_feed() + selectors.maintenances_for_feed()
        return sorted(entries, key=self._updated, reverse=True)

    @staticmethod
    def _updated(item):
        return item.updated_at if isinstance(item, Incident) else (item.announced_at or item.created_at)

    def item_title(self, item):
        if isinstance(item, Incident):
            return f"{item.get_status_display()}: {item.title}"
        return f"Maintenance ({item.get_status_display().lower()}): {item.title}"

    def item_description(self, item):
        if isinstance(item, Incident):
            updates = list(item.updates.all())
            latest = updates[-1].body if updates else ""
            return f"{item.get_impact_display()} impact. {latest}"
        names = ", ".join(c.name for c in item.components.all()) or "the Aragora platform"
        return f"{item.starts_at:%Y-%m-%d %H:%M} to {item.ends_at:%Y-%m-%d %H:%M} UTC, {names}. {item.description}"

    def item_link(self, item):
        kind = "incident" if isinstance(item, Incident) else "maintenance"
        return f"{reverse('status:page')}#{kind}-{item.pk}"

    def item_guid(self, item):
        kind = "incident" if isinstance(item, Incident) else "maintenance"
        return f"tag:aragora.ai,2026:status:{kind}:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.started_at if isinstance(item, Incident) else item.starts_at

    def item_updateddate(self, item):
        return self._updated(item)
