"""Ticket events, announced to the apps that react to them.

Every change to a ticket is logged as a TicketEvent (tickets.services, the SLA sweep). The core
announces each logged event here and knows nothing of who listens: Slack Connect posts updates
to the customer's channel, email mails staff replies to the requester, the list cache forgets
the organisation's pages, and so on. Each of those apps subscribes in its own
``AppConfig.ready()``.

Subscribers run synchronously, inside the event's transaction: an outbox row a subscriber
writes commits or rolls back with the event, so a notification is never sent for a change that
did not happen, and never lost for one that did. A subscriber that needs the commit (a cache)
uses ``transaction.on_commit`` itself. An exception in a subscriber fails the change: they are
part of the write, not fire-and-forget.

Announcements come in batches: a service announces one change, the sweep announces a batch of
a thousand tickets at once, so a subscriber can write its outbox rows in one statement and
keep the sweep's query count constant per batch.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .models import Ticket, TicketEvent


@dataclass(frozen=True)
class TicketChange:
    """One logged change: the ticket as the change left it, and its saved event."""
    ticket: "Ticket"
    event: "TicketEvent"

    @property
    def kind(self) -> str:
        return self.event.kind


Subscriber = Callable[[Sequence[TicketChange]], None]


@dataclass(frozen=True)
class _Subscription:
    name: str
    handler: Subscriber
    kinds: frozenset[str] | None


_subscriptions: dict[str, _Subscription] = {}


def subscribe(name: str, handler: Subscriber, *, kinds: Iterable[str] | None = None) -> None:
    """Call `handler(changes)` with the changes of the given kinds (all kinds when None).

    `name` identifies the subscription: subscribing again under the same name replaces it, so a
    ready() that runs twice (tests, autoreload) does not make an app react twice.
    """
    _subscriptions[name] = _Subscription(name, handler, frozenset(kinds) if kinds is not None else None)


def unsubscribe(name: str) -> None:
    _subscriptions.pop(name, None)


def subscribers() -> list[str]:
    return list(_subscriptions)


def announce(changes: Sequence[TicketChange]) -> None:
    """Tell every subscriber of the changes it asked for, in subscription order."""
    if not changes:
        return
    for sub in list(_subscriptions.values()):
        wanted = changes if sub.kinds is None else [c for c in changes if c.event.kind in sub.kinds]
        if wanted:
            sub.handler(wanted)


def announce_one(ticket: "Ticket", event: "TicketEvent") -> None:
    announce([TicketChange(ticket, event)])
