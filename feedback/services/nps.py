"""The quarterly NPS survey (guide: "NPS surveys: Quarterly satisfaction surveys").

Every active customer contact of a Pro or Enterprise organisation who has not opted out gets
one survey a quarter. The task may run any number of times: the unique (person, quarter) row
and the outbox's keys make a second run send nothing twice.
"""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Tier
from notifications.services import notification_enqueue_many

from .. import figures, links
from ..models import NpsSurvey, SurveyRecipient
from ._common import clean_comment, clean_score

NPS_TIERS = (Tier.PRO, Tier.ENTERPRISE)


def nps_recipients():
    opted_out = SurveyRecipient.objects.filter(nps_opted_out=True).values("user_id")
    return (get_user_model().objects.filter(is_active=True, is_staff=False, organization__tier__code__in=NPS_TIERS)
            .exclude(email="").exclude(pk__in=opted_out))


@transaction.atomic
def nps_send_quarter(*, today: dt.date | None = None) -> int:
    """Survey this quarter's recipients who have no survey yet; returns how many mails were queued."""
    today = today or timezone.localdate()
    year, quarter = figures.quarter_of(today)
    people = list(nps_recipients().select_related("organization").order_by("pk"))
    now = timezone.now()
    NpsSurvey.objects.bulk_create(
        [NpsSurvey(user=p, organization_id=p.organization_id, tier_id=p.organization.tier_id, year=year,
                   quarter=quarter, sent_at=now) for p in people], ignore_conflicts=True, batch_size=1000)
    by_user = {p.pk: p for p in people}
    label = figures.quarter_label(year, quarter)
    _, last_day = figures.quarter_bounds(year, quarter)
    specs = []
    surveys = NpsSurvey.objects.filter(year=year, quarter=quarter, score__isnull=True, user_id__in=list(by_user))
    for survey in surveys.iterator(chunk_size=1000):
        person = by_user[survey.user_id]
        specs.append({
            "key": f"nps:{label}:{person.pk}:email:{person.email}", "channel": "email", "recipient": person.email,
            "template": "nps_survey", "ticket_id": None,
            "context": {"audience": "customer", "contact_name": person.get_full_name(), "quarter": label,
                        "organization": person.organization.name, "closes_on": last_day.isoformat(),
                        "answer_url": links.nps_url(survey),
                        "score_urls": [{"score": s, "url": links.nps_url(survey, s)} for s in figures.NPS_SCORES]},
        })
    return notification_enqueue_many(specs)


def survey_refusal(survey: NpsSurvey, *, today: dt.date | None = None) -> str | None:
    today = today or timezone.localdate()
    if figures.quarter_of(today) != (survey.year, survey.quarter):
        label = figures.quarter_label(survey.year, survey.quarter)
        return f"The {label} survey has closed; answers can be given or changed within its quarter only."
    return None


@transaction.atomic
def nps_answer(*, survey: NpsSurvey, score, comment: str = "", now=None) -> NpsSurvey:
    """Record (or change, within the quarter) one person's answer."""
    now = now or timezone.now()
    score = clean_score(score, low=0, high=10)
    comment = clean_comment(comment)
    survey = NpsSurvey.objects.select_for_update().get(pk=survey.pk)
    refusal = survey_refusal(survey, today=timezone.localdate(now))
    if refusal:
        raise ValidationError(refusal)
    survey.score, survey.comment, survey.answered_at = score, comment, now
    survey.save(update_fields=["score", "comment", "answered_at"])
    return survey


@transaction.atomic
def nps_opt_out(*, user, opted_out: bool = True) -> SurveyRecipient:
    recipient, _ = SurveyRecipient.objects.select_for_update().get_or_create(user=user)
    recipient.nps_opted_out = opted_out
    recipient.opted_out_at = timezone.now() if opted_out else None
    recipient.save()
    return recipient
