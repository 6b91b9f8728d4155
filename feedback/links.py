"""Signed links in survey mail (django.core.signing): no account or login needed to answer, and
nobody can answer for a ticket or a person the link was not made for.

A rating link is bound to the ticket and to the resolution round it rates, and lives 14 days
(the issue); an NPS link is bound to one person's survey of one quarter and works until the
quarter ends (the service checks the quarter). A link only identifies the survey: a GET shows a
confirmation page, only the POST from that page records an answer (mail scanners open links).
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

RATING_SALT = "feedback.csat.rating"
NPS_SALT = "feedback.nps.survey"
RATING_MAX_AGE = timedelta(days=14)
# An NPS link is refused after its quarter by the service; this bounds a leaked one anyway.
NPS_MAX_AGE = timedelta(days=100)


class BadLink(Exception):
    """A forged, altered or misdirected link; the message is safe to show."""


class ExpiredLink(BadLink):
    """A genuine link past its time."""


def _base() -> str:
    return settings.SITE_URL.rstrip("/")  # links in mail are absolute: never the request's host


def rating_token(rating) -> str:
    return signing.dumps({"r": rating.pk, "t": rating.ticket_id, "n": rating.round}, salt=RATING_SALT, compress=True)


def rating_url(rating, score: int | None = None, *, absolute: bool = True) -> str:
    url = reverse("feedback:rate", args=[rating.ticket_id, rating_token(rating)])
    if score is not None:
        url += f"?score={score}"
    return f"{_base()}{url}" if absolute else url


def read_rating_token(token: str, *, ticket_id: int) -> tuple[int, int]:
    """(rating id, round) of a valid link for this ticket; BadLink otherwise."""
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=RATING_MAX_AGE)
    except signing.SignatureExpired:
        raise ExpiredLink("This rating link has expired: ratings are open for 14 days after a ticket is resolved.")
    except signing.BadSignature:
        raise BadLink("This rating link is not valid. Please use the link from your email or the portal.")
    if not isinstance(data, dict) or data.get("t") != ticket_id:
        raise BadLink("This rating link belongs to another ticket.")
    return data["r"], data["n"]


def nps_token(survey) -> str:
    return signing.dumps({"s": survey.pk, "u": survey.user_id, "q": f"{survey.year}-{survey.quarter}"},
                         salt=NPS_SALT, compress=True)


def nps_url(survey, score: int | None = None, *, absolute: bool = True) -> str:
    url = reverse("feedback:nps", args=[nps_token(survey)])
    if score is not None:
        url += f"?score={score}"
    return f"{_base()}{url}" if absolute else url


def read_nps_token(token: str) -> int:
    try:
        data = signing.loads(token, salt=NPS_SALT, max_age=NPS_MAX_AGE)
    except signing.SignatureExpired:
        raise ExpiredLink("This survey link has expired.")
    except signing.BadSignature:
        raise BadLink("This survey link is not valid. Please use the link from your email.")
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise BadLink("This survey link is not valid. Please use the link from your email.")
    return data["s"]
