"""Free-text search over tickets: subject, description and public replies.

One entry point, `ticket_search(queryset, q)`, applied to a queryset the caller already scoped
with `selectors.tickets_visible_to(user)`: search narrows what a viewer may see, never widens it.
Internal notes are searched only when the caller asks (staff); a customer's search never matches
a note's words, which would leak them.

PostgreSQL: full-text search (websearch syntax, English stemming, the last word also matched as
a prefix so "authen" finds "authentication"), ranked subject over description over replies, on
the tsvectors the database stores and indexes (migration tickets 0009: `search_text` per ticket,
`search` per message, GIN each). The matching ids are one UNION of two index scans, so no ticket
is read that does not match; the caller's scope (tenancy) joins them before anything is ranked.
Ranked by the ticket's own text; a ticket matched only by a reply comes after, newest first.

A common word is another query (docs/search.md): the union of its index scans is every ticket
that has it, hundreds of thousands at a million tickets, and ranking them all takes seconds. So
the planner's estimates choose (`narrowed`): when the matches anywhere are few, the union, ranked;
when the viewer's scope is small (a customer's organisation), the scope's tickets are read and
tested, ranked; when both are large (staff, a common word), the scope is read newest first and
tested until the page is full: results newest first, the reading bounded by the page, not by how
many tickets match.
SQLite (the embedded default): every word must appear, case-insensitively, in the subject, the
description or a public reply, ranked by where it appears.
"""
from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.contrib.postgres.search import SearchVectorField
from django.db.models import (
    Case, Exists, Expression, ExpressionWrapper, FloatField, Func, OuterRef, Q, QuerySet, Value, When,
)

from common.db import planner_rows

from .models import Message, Ticket

CONFIG = "english"
# A search box, not a document: longer input is refused by the forms before it gets here.
MAX_LENGTH = 200
RANK = "search_rank"
MAX_FALLBACK_WORDS = 12
# Up to this many matches (as the planner estimates them) are ranked; more are listed newest
# first. A first choice, not yet measured at a million tickets (docs/search.md).
RANK_ALL_UP_TO = 5_000
_WORDS = re.compile(r"\w+")
_LAST_PLAIN_WORD = re.compile(r"(?:^|\s)(\w+)\s*$")


def ticket_search(queryset: QuerySet, q: str, *, include_internal_notes: bool = False) -> QuerySet:
    """The tickets of `queryset` matching `q`, annotated with `search_rank` and ordered by it
    (best first, then newest). Blank `q`: the queryset unchanged."""
    q = (q or "").strip()
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        return _postgres(queryset, q, include_internal_notes)
    replies = Message.objects.filter(ticket=OuterRef("pk"))
    if not include_internal_notes:
        replies = replies.filter(is_internal=False)
    return _fallback(queryset, q, replies)


class StoredVector(Expression):
    """A tsvector column the database generates (not a model field), named against whichever alias
    the query gives the model's table: the outer query's or a subquery's U0."""

    output_field = SearchVectorField()

    def __init__(self, column: str):
        super().__init__()
        self.column = column

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(compiler.query.base_table)}.{connection.ops.quote_name(self.column)}", []


class _TsRank(Func):
    function = "ts_rank"
    output_field = FloatField()


def _tsquery(q: str) -> SearchQuery:
    query = SearchQuery(q, search_type="websearch", config=CONFIG)
    last = _LAST_PLAIN_WORD.search(q)
    if last:
        # \w+ holds no tsquery operator, so the raw prefix term cannot be malformed.
        prefix = SearchQuery(f"{last.group(1)}:*", search_type="raw", config=CONFIG)
        rest = q[: last.start(1)].strip()
        query |= (SearchQuery(rest, search_type="websearch", config=CONFIG) & prefix) if rest else prefix
    return query


def matching_ids(q: str, *, include_internal_notes: bool = False, also: tuple[QuerySet, ...] = ()) -> QuerySet:
    """The ids of every ticket matching `q` (any organisation: the caller applies its scope), as
    one UNION of index scans, with the ids of `also` (querysets of ticket ids) in the same union:
    an OR of IN-subqueries would make PostgreSQL read every ticket."""
    if connection.vendor == "postgresql":
        query = _tsquery(q)
        parts = [Ticket.objects.alias(_v=StoredVector("search_text")).filter(_v=query).values("pk"),
                 _replies_matching(query, include_internal_notes).values("ticket_id")]
    else:
        replies = Message.objects.filter(ticket=OuterRef("pk"))
        if not include_internal_notes:
            replies = replies.filter(is_internal=False)
        parts = [_fallback(Ticket.objects.all(), q, replies).values("pk")]
    parts = [part.order_by() for part in (*parts, *also)]
    return parts[0].union(*parts[1:])


def _replies_matching(query: SearchQuery, include_internal_notes: bool) -> QuerySet:
    replies = Message.objects.alias(_v=StoredVector("search")).filter(_v=query)
    return replies if include_internal_notes else replies.filter(is_internal=False)


def narrowed(queryset: QuerySet, q: str, *, include_internal_notes: bool = False,
             also: tuple[QuerySet, ...] = ()) -> tuple[QuerySet, int]:
    """`queryset` narrowed to the tickets matching `q` (or in one of `also`, querysets of ticket
    ids), in the form that reads least, and the estimated number of matches in it (PostgreSQL)."""
    ids = matching_ids(q, include_internal_notes=include_internal_notes, also=also)
    if connection.vendor != "postgresql":
        return queryset.filter(pk__in=ids), 0  # demo-sized data: no plan to choose
    everywhere = planner_rows(ids)
    if everywhere <= RANK_ALL_UP_TO:
        return queryset.filter(pk__in=ids), everywhere  # few matches: read only them
    # Many matches: test each ticket of the scope as it is read, so the reading stops with the
    # page (LIMIT) when the order is an index's, or covers the scope when the scope is small.
    query = _tsquery(q)
    replies = _replies_matching(query, include_internal_notes).filter(ticket=OuterRef("pk"))
    match = Q(_v=query) | Exists(replies)
    for part in also:
        match |= Q(pk__in=part)
    return queryset.alias(_v=StoredVector("search_text")).filter(match), min(everywhere, planner_rows(queryset))


def _postgres(queryset: QuerySet, q: str, include_internal_notes: bool) -> QuerySet:
    # Ranked by the ticket's own text (subject A over description B); a ticket found only by a
    # reply ranks 0, after every text match. A per-ticket "best reply" rank would be a correlated
    # subquery run for every match before the sort: at a million tickets, seconds for a common word.
    matches, estimate = narrowed(queryset, q, include_internal_notes=include_internal_notes)
    matches = matches.annotate(**{RANK: _TsRank(StoredVector("search_text"), _tsquery(q))})
    if estimate <= RANK_ALL_UP_TO:
        return matches.order_by(f"-{RANK}", "-created_at", "-id")
    return matches.order_by("-created_at", "-id")  # too many to rank: newest first (module doc)


def _fallback(queryset: QuerySet, q: str, replies: QuerySet) -> QuerySet:
    rank = Value(0.0)
    # Distinct words, a bounded number of them: each costs three LIKEs per ticket.
    for word in list(dict.fromkeys(_WORDS.findall(q) or [q]))[:MAX_FALLBACK_WORDS]:
        in_subject, in_description = Q(subject__icontains=word), Q(description__icontains=word)
        in_reply = Exists(replies.filter(body__icontains=word))
        queryset = queryset.filter(in_subject | in_description | in_reply)
        # The same order of weight as PostgreSQL's A/B/D: subject, then description, then replies.
        rank = (rank + Case(When(in_subject, then=Value(1.0)), default=Value(0.0))
                + Case(When(in_description, then=Value(0.4)), default=Value(0.0))
                + Case(When(in_reply, then=Value(0.1)), default=Value(0.0)))
    return queryset.annotate(**{RANK: ExpressionWrapper(rank, output_field=FloatField())}).order_by(
        f"-{RANK}", "-created_at", "-id")
