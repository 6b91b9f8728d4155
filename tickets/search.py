"""Free-text search over tickets: subject, description and public replies.

One entry point, `ticket_search(queryset, q)`, applied to a queryset the caller already scoped
with `selectors.tickets_visible_to(user)`: search narrows what a viewer may see, never widens it.
Internal notes are searched only when the caller asks (staff); a customer's search never matches
a note's words, which would leak them.

PostgreSQL: full-text search (websearch syntax, English stemming, the last word also matched as
a prefix so "authen" finds "authentication") over the ticket row alone: its own words
(`search_text`, subject A, description B, migration tickets 0009) and its thread's, which the
database appends there (`search_replies` C, `search_notes` D, migration 0011), each audience's
concatenation with a GIN index of its own. A match is one predicate on one row per ticket, so the
planner chooses between the GIN index (few matches) and walking the viewer's scope (many) itself;
the scope (tenancy) is applied in the same WHERE, before anything is ranked. The words of a query
may be spread over subject, description and replies.

A common word is still another order (docs/search.md): ranking every ticket that has it, hundreds
of thousands at a million tickets, takes seconds. So the planner's estimates choose (`narrowed`):
when the matches anywhere or the viewer's scope are few, ranked; when both are many (staff, a
common word), newest first, the reading bounded by the page, not by how many tickets match.
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
_ENDS_WITH_OR = re.compile(r"(?:^|\s)or$", re.IGNORECASE)


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


class ThreadVector(Expression):
    """A ticket's words with its thread's (migration tickets 0011): `search_text || search_replies`
    for a customer, `|| search_notes` too for staff, spelled as the GIN expression indexes
    `ticket_search_public` / `ticket_search_all` are, so the planner can answer a match from them."""

    output_field = SearchVectorField()

    def __init__(self, include_internal_notes: bool):
        super().__init__()
        self.columns = ("search_text", "search_replies", *(("search_notes",) if include_internal_notes else ()))

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        return "(" + " || ".join(f"{table}.{connection.ops.quote_name(c)}" for c in self.columns) + ")", []


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
        widened = (SearchQuery(rest, search_type="websearch", config=CONFIG) & prefix) if rest else prefix
        if _ENDS_WITH_OR.search(rest):
            return query | widened  # "a or b": the exact query is not inside the widened one
        # Otherwise the widened query holds every match of the exact one (`word:*` matches
        # `word`), so it is the whole answer, and asking for both makes the GIN index read the
        # last word's postings twice (at a million tickets, 153 ms instead of 111 for a
        # three-word query ending with a common word).
        return widened
    return query


# When the words as typed already match this many tickets (the planner's estimate, over every
# organisation), the last word is taken as typed, not also as a prefix: completing a common word
# ("login:*") makes the GIN index gather every ticket holding any word it starts, 305,000 at a
# million tickets, which is most of a three-word query's 110 ms, and adds little a reader would
# miss among thousands of matches. Below it (any search of a demo-sized database) "authen" still
# finds "authentication".
COMPLETE_LAST_WORD_BELOW = 1_000


def search_query(q: str, *, include_internal_notes: bool = False) -> SearchQuery:
    """The tsquery for `q`: websearch syntax, the last plain word also as a prefix unless the
    words as typed are already common (COMPLETE_LAST_WORD_BELOW)."""
    widened = _tsquery(q)
    exact = SearchQuery(q, search_type="websearch", config=CONFIG)
    if not _LAST_PLAIN_WORD.search(q) or connection.vendor != "postgresql":
        return widened
    as_typed = Ticket.objects.alias(_v=ThreadVector(include_internal_notes)).filter(_v=exact).values("pk")
    return exact if typed_words_estimate(as_typed) >= COMPLETE_LAST_WORD_BELOW else widened


def matching_ids(q: str, *, include_internal_notes: bool = False, also: tuple[QuerySet, ...] = (),
                 query: SearchQuery | None = None) -> QuerySet:
    """The ids of every ticket matching `q` (any organisation: the caller applies its scope): one
    scan of a GIN index on the ticket row, and with `also` (querysets of ticket ids) one UNION of
    it and them: an OR of IN-subqueries would make PostgreSQL read every ticket."""
    if connection.vendor == "postgresql":
        query = query or search_query(q, include_internal_notes=include_internal_notes)
        parts = [_matching(Ticket.objects.all(), query, include_internal_notes).values("pk")]
    else:
        replies = Message.objects.filter(ticket=OuterRef("pk"))
        if not include_internal_notes:
            replies = replies.filter(is_internal=False)
        parts = [_fallback(Ticket.objects.all(), q, replies).values("pk")]
    parts = [part.order_by() for part in (*parts, *also)]
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def _matching(queryset: QuerySet, query: SearchQuery, include_internal_notes: bool) -> QuerySet:
    return queryset.alias(_v=ThreadVector(include_internal_notes)).filter(_v=query)


def matches_estimate(ids: QuerySet) -> int:
    """How many tickets match anywhere, as the planner estimates it (no rows read)."""
    return planner_rows(ids)


def typed_words_estimate(ids: QuerySet) -> int:
    """How many tickets the words as typed match anywhere, as the planner estimates it."""
    return planner_rows(ids)


def scope_estimate(queryset: QuerySet) -> int:
    """How many tickets the viewer's scope holds, as the planner estimates it."""
    return planner_rows(queryset)


def narrowed(queryset: QuerySet, q: str, *, include_internal_notes: bool = False,
             also: tuple[QuerySet, ...] = (), query: SearchQuery | None = None) -> tuple[QuerySet, int]:
    """`queryset` narrowed to the tickets matching `q` (or in one of `also`, querysets of ticket
    ids), in the form that reads least, and the estimated number of matches in it (PostgreSQL).
    `query`: the tsquery for `q` when the caller has it (`search_query`)."""
    if connection.vendor != "postgresql":
        ids = matching_ids(q, include_internal_notes=include_internal_notes, also=also)
        return queryset.filter(pk__in=ids), 0  # demo-sized data: no plan to choose
    query = query or search_query(q, include_internal_notes=include_internal_notes)
    ids = matching_ids(q, include_internal_notes=include_internal_notes, also=also, query=query)
    everywhere = matches_estimate(ids)
    if not also:
        # One predicate on the ticket row: the planner itself weighs the GIN index (few matches)
        # against walking the scope's index and testing each row (many), with the lexeme
        # statistics ANALYZE keeps for the index expression.
        matches = _matching(queryset, query, include_internal_notes)
        if everywhere <= RANK_ALL_UP_TO:
            return matches, everywhere
        return matches, min(everywhere, scope_estimate(queryset))
    if everywhere <= RANK_ALL_UP_TO:
        return queryset.filter(pk__in=ids), everywhere  # few matches: the union, read only them
    # Many matches: test each ticket of the scope as it is read (the exact forms' subqueries are
    # hashed once), so the reading stops with the page (LIMIT) along the queue's index.
    match = Q(_v=query)
    for part in also:
        match |= Q(pk__in=part)
    return (queryset.alias(_v=ThreadVector(include_internal_notes)).filter(match),
            min(everywhere, scope_estimate(queryset)))


def _postgres(queryset: QuerySet, q: str, include_internal_notes: bool) -> QuerySet:
    # Ranked over the ticket's words and its thread's: subject (A) over description (B) over
    # public replies (C) over internal notes (D, staff only); ts_rank's diminishing sum keeps a
    # word said often in replies below one said once in the subject.
    query = search_query(q, include_internal_notes=include_internal_notes)
    matches, estimate = narrowed(queryset, q, include_internal_notes=include_internal_notes, query=query)
    matches = matches.annotate(**{RANK: _TsRank(ThreadVector(include_internal_notes), query)})
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
