"""Free-text search over tickets: subject, description and public replies.

One entry point, `ticket_search(queryset, q)`, applied to a queryset the caller already scoped
with `selectors.tickets_visible_to(user)`: search narrows what a viewer may see, never widens it.
Internal notes are searched only when the caller asks (staff); a customer's search never matches
a note's words, which would leak them.

PostgreSQL: full-text search (websearch syntax, English stemming, the last word also matched as
a prefix so "authen" finds "authentication"), ranked subject over description over replies. The
vectors are computed per query; the scale issue swaps this for a stored tsvector with a GIN index
behind the same signature. SQLite (the embedded default): every word must appear, case-insensitively,
in the subject, the description or a public reply, ranked by where it appears.
"""
from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from .models import Message

CONFIG = "english"
# A search box, not a document: longer input is refused by the forms before it gets here.
MAX_LENGTH = 200
RANK = "search_rank"
MAX_FALLBACK_WORDS = 12
_WORDS = re.compile(r"\w+")
_LAST_PLAIN_WORD = re.compile(r"(?:^|\s)(\w+)\s*$")


def ticket_search(queryset: QuerySet, q: str, *, include_internal_notes: bool = False) -> QuerySet:
    """The tickets of `queryset` matching `q`, annotated with `search_rank` and ordered by it
    (best first, then newest). Blank `q`: the queryset unchanged."""
    q = (q or "").strip()
    if not q:
        return queryset
    replies = Message.objects.filter(ticket=OuterRef("pk"))
    if not include_internal_notes:
        replies = replies.filter(is_internal=False)
    if connection.vendor == "postgresql":
        return _postgres(queryset, q, replies)
    return _fallback(queryset, q, replies)


def _tsquery(q: str) -> SearchQuery:
    query = SearchQuery(q, search_type="websearch", config=CONFIG)
    last = _LAST_PLAIN_WORD.search(q)
    if last:
        # \w+ holds no tsquery operator, so the raw prefix term cannot be malformed.
        prefix = SearchQuery(f"{last.group(1)}:*", search_type="raw", config=CONFIG)
        rest = q[: last.start(1)].strip()
        query |= (SearchQuery(rest, search_type="websearch", config=CONFIG) & prefix) if rest else prefix
    return query


def _postgres(queryset: QuerySet, q: str, replies: QuerySet) -> QuerySet:
    query = _tsquery(q)
    document = SearchVector("subject", weight="A", config=CONFIG) + SearchVector("description", weight="B", config=CONFIG)
    matching_replies = replies.annotate(_v=SearchVector("body", weight="D", config=CONFIG)).filter(_v=query)
    best_reply = matching_replies.annotate(_r=SearchRank(F("_v"), query)).order_by("-_r").values("_r")[:1]
    return (
        queryset.annotate(_document=document)
        .filter(Q(_document=query) | Exists(matching_replies))
        .annotate(**{RANK: SearchRank(F("_document"), query)
                     + Coalesce(Subquery(best_reply, output_field=FloatField()), Value(0.0))})
        .order_by(f"-{RANK}", "-created_at", "-id")
    )


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
