"""What the status domain announces, for apps above it to react to (the ticket core tells the
requesters of linked tickets): each subscriber is called inside the change's transaction, so
what it queues in the outbox commits or rolls back with the change. Subscribers register in
their AppConfig.ready(); status never imports them."""
from __future__ import annotations

from collections.abc import Callable

_incident_update_subscribers: list[Callable] = []


def on_incident_update(func: Callable) -> Callable:
    """Register func(update) for every public incident update (the first one included)."""
    if func not in _incident_update_subscribers:
        _incident_update_subscribers.append(func)
    return func


def announce_incident_update(update) -> None:
    for func in list(_incident_update_subscribers):
        func(update)
