"""Reports and metrics read from a replica when one is configured (DATABASE_REPLICA_URL gives
the "replica" alias); every write, and every other read, goes to the primary ("default").

A database router sees a model, not its caller, and report code reads the same tables as the
ticket pages (Ticket, TicketTiming, ...). So the reader says so: a function marked
``@replica_reads`` (the metrics reader, the report builders) runs its queries on the replica,
including the related rows it loads lazily, because the router answers every read made while
the mark is active. Marking the few entry points rather than passing ``using=`` to every
queryset below them keeps one forgotten queryset from splitting a report across two databases
with different lags; raw SQL asks ``read_alias()`` for its connection.

Reads that must see this request's own writes never go to the replica: inside a transaction on
the primary (a service's ``atomic`` block, e.g. a QBR's snapshot taken as it is made final) the
router answers "default", since the replica has not got those rows yet, and may never if the
transaction rolls back. docs/deploy.md ("Read replica") says what a report may miss.
"""
from __future__ import annotations

import contextvars
import functools
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_reporting = contextvars.ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def read_alias() -> str:
    """Where a read made now goes: the replica inside a report outside any transaction on the
    primary (when there is a replica); the primary otherwise."""
    if _reporting.get() and replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return REPLICA
    return DEFAULT_DB_ALIAS


@contextmanager
def reading_replica():
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def replica_reads(function):
    """Marks a report or metrics reader: its queries may be answered by the replica."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with reading_replica():
            return function(*args, **kwargs)
    return wrapper


class ReplicaRouter:
    """settings.DATABASE_ROUTERS. Reads as read_alias() says; writes always to the primary;
    migrations never on the replica (it is a copy of the primary, migrated by replication)."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The same rows on both: an object read from the replica may point at one from the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
