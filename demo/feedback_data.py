"""The feedback part of the demo: ratings, NPS answers, feature requests and monthly reviews,
made through the feedback services, and six months of ticket history so the figures pages have
something to draw. The history is bulk rows, as `seed_demo --tickets` makes: tickets already answered and
resolved in the past, with the durations, ratings and answers the services would have stored."""
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import CustomerRole, Organization, User
from feedback import figures
from feedback.models import FeatureStatus, NpsSurvey, TicketRating, TicketTiming
from feedback.services import (
    csat_record, feature_request_create, feature_request_from_ticket, feature_request_update, monthly_review_freeze,
    nps_answer, nps_send_quarter,
)
from tickets.models import Channel, EventKind, Status, Ticket, TicketEvent
from tickets.sla import clocks
from tickets.sla.policy import policy_for

HISTORY_TAG = "[history]"
COMMENTS = {5: "Fixed quickly, thanks.", 4: "Good answer, took a while.", 3: "OK in the end.",
            2: "Took three days to get a first answer.", 1: "Still not sure it is fixed."}


@transaction.atomic
def seed_feedback(staff: dict) -> None:
    orgs = {o.name: o for o in Organization.objects.filter(tier__ticket_portal=True)}
    if not orgs or TicketTiming.objects.filter(ticket__subject__startswith=HISTORY_TAG).exists():
        return
    _history(list(orgs.values()), staff["support"], rng=random.Random(13))
    _ratings()
    nps_send_quarter()
    for username, score, comment in [("acme-admin", 9, "The Slack channel is the best part."),
                                     ("initech-admin", 7, ""), ("initech-member", 10, "Answers are spot on."),
                                     ("umbrella-admin", 4, "Pro hours do not cover our EU mornings.")]:
        survey = NpsSurvey.objects.filter(user__username=username).order_by("-year", "-quarter").first()
        if survey:
            nps_answer(survey=survey, score=score, comment=comment)
    _feature_requests(orgs, staff)
    # The last two months' reviews, as beat freezes them on the 1st, so the admin shows a change.
    today = timezone.now().date()
    monthly_review_freeze(today=figures.month_start(today) - timedelta(days=1))
    monthly_review_freeze(today=today)


def _ratings() -> None:
    """The demo's resolved tickets were asked for a rating on resolution: answer some."""
    scores = {"Initech": [5, 4], "Acme Corporation": [2, 5]}  # Umbrella's wait: its prompt shows
    for name, values in scores.items():
        pending = TicketRating.objects.filter(organization__name=name, score__isnull=True).order_by("pk")
        for rating, score in zip(pending, values):
            csat_record(rating=rating, score=score, comment=COMMENTS[score])


def _feature_requests(orgs: dict, staff: dict) -> None:
    people = {u.username: u for u in User.objects.filter(organization__isnull=False)}
    for org_name, who, title, text, status, note in [
        ("Acme Corporation", "acme-admin", "Map SAML groups to portal roles",
         "Our IdP groups decide who is an admin; today we change roles by hand.", FeatureStatus.PLANNED,
         "Planned for the spring release; we will ask you to try the beta."),
        ("Initech", "initech-member", "Export debate transcripts as Parquet",
         "Our data team loads every transcript into the warehouse.", FeatureStatus.UNDER_REVIEW, ""),
        ("Umbrella Labs", "umbrella-admin", "EU business hours on Pro",
         "Half of our team is in Berlin; Pro hours start at 18:00 for them.", FeatureStatus.DECLINED,
         "Pro follows Pacific business hours; Enterprise support runs 24/7."),
    ]:
        request = feature_request_create(organization=orgs[org_name], requested_by=people[who], title=title,
                                         description=text)
        feature_request_update(feature_request=request, actor=staff["lead"], status=status, public_note=note)
    ticket = Ticket.objects.filter(organization=orgs["Initech"], subject__startswith="Unclear error").first()
    if ticket:
        feature_request_from_ticket(ticket=ticket, actor=staff["support"])


def _history(orgs: list, engineer, *, rng: random.Random, count: int = 180, days: int = 180) -> None:
    now = timezone.now()
    requesters = {o.pk: list(User.objects.filter(organization=o)) for o in orgs}
    tickets, plans = [], []
    for i in range(count):
        org = rng.choice(orgs)
        policy = policy_for(org)
        created = now - timedelta(days=rng.uniform(7, days))
        severity = rng.choices(["P1", "P2", "P3", "P4"], weights=[1, 3, 5, 3])[0]
        ticket = Ticket(organization=org, requester=rng.choice(requesters[org.pk]), severity=severity,
                        subject=f"{HISTORY_TAG} {severity} question {i + 1}", description="From the demo's history.",
                        channel=rng.choice([Channel.PORTAL, Channel.PORTAL, Channel.EMAIL, Channel.API]),
                        created_at=created, assignee=engineer)
        clocks.recompute(ticket, policy)
        hours = {"P1": 1.5, "P2": 3, "P3": 6, "P4": 12}[severity] * (0.3 if policy.calendar.is_always else 1)
        answered = policy.calendar.add_duration(created, timedelta(hours=rng.expovariate(1 / hours)))
        resolved = policy.calendar.add_duration(answered, timedelta(hours=rng.expovariate(1 / (hours * 4))))
        ticket.first_response_at = ticket.acknowledged_at = answered
        ticket.resolved_at, ticket.status = resolved, rng.choice([Status.RESOLVED, Status.CLOSED])
        tickets.append(ticket)
        plans.append((policy.calendar, rng.random() < 0.08, rng.random() < 0.6, rng.choices(
            [5, 4, 3, 2, 1], weights=[45, 30, 10, 10, 5])[0]))
    Ticket.objects.bulk_create(tickets)
    events, timings, ratings = [], [], []
    for ticket, (calendar, reopened, rated, score) in zip(tickets, plans):
        created, answered, resolved = ticket.created_at, ticket.first_response_at, ticket.resolved_at
        events += [TicketEvent(ticket=ticket, actor=ticket.requester, kind=EventKind.CREATED, created_at=created,
                               data={"channel": ticket.channel, "severity": ticket.severity}),
                   TicketEvent(ticket=ticket, actor=engineer, kind=EventKind.REPLIED, created_at=answered,
                               data={"by_staff": True}),
                   TicketEvent(ticket=ticket, actor=engineer, kind=EventKind.STATUS_CHANGED, created_at=resolved,
                               data={"old": "in_progress", "new": "resolved", "reopened": False})]
        timings.append(TicketTiming(
            ticket=ticket, organization_id=ticket.organization_id, tier_id=ticket.organization.tier_id,
            severity=ticket.severity, first_response_at=answered,
            first_response_seconds=(answered - created).total_seconds(),
            first_response_business_seconds=calendar.coverage_between(created, answered).total_seconds(),
            resolved_at=resolved, resolution_seconds=(resolved - created).total_seconds(),
            resolution_business_seconds=calendar.coverage_between(created, resolved).total_seconds(),
            first_resolved_at=resolved, reopen_count=int(reopened)))
        if rated:
            at = resolved + timedelta(hours=3)
            ratings.append(TicketRating(
                ticket=ticket, requester_id=ticket.requester_id, organization_id=ticket.organization_id,
                tier_id=ticket.organization.tier_id, assignee=engineer, score=score,
                comment=COMMENTS[score] if score <= 2 else "", requested_at=resolved, rated_at=at,
                expires_at=resolved + timedelta(days=14)))
    TicketEvent.objects.bulk_create(events)
    TicketTiming.objects.bulk_create(timings)
    TicketRating.objects.bulk_create(ratings)
    _nps_history(orgs, now, rng)


def _nps_history(orgs: list, now, rng: random.Random) -> None:
    """Last quarter's survey, answered."""
    year, quarter = figures.quarter_of((now - timedelta(days=92)).date())
    first, _ = figures.quarter_bounds(year, quarter)
    rows = []
    for person in User.objects.filter(organization__in=[o for o in orgs], customer_role__in=CustomerRole.values,
                                      is_active=True).select_related("organization"):
        if person.organization.tier.code not in ("pro", "enterprise"):
            continue
        sent = timezone.make_aware(timezone.datetime.combine(first, timezone.datetime.min.time()))
        rows.append(NpsSurvey(user=person, organization=person.organization, tier=person.organization.tier,
                              year=year, quarter=quarter, sent_at=sent, score=rng.choice([6, 8, 9, 9, 10]),
                              answered_at=sent + timedelta(days=rng.randint(1, 20))))
    NpsSurvey.objects.bulk_create(rows, ignore_conflicts=True)
