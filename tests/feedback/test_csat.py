"""Ticket ratings: asked at each resolution, answered by a signed link whose GET changes nothing."""
import datetime as dt
import re

import pytest
import time_machine
from django.core import signing

from feedback import links
from feedback.models import TicketRating
from notifications.models import Notification
from notifications.services import render
from tickets import services
from tickets.models import Ticket
from tests.conftest import login
from tests.feedback.conftest import at, open_ticket, resolve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _the_day_after_resolution():
    # Links are judged against now: every test runs the day after the resolution unless it says.
    with time_machine.travel(at(2026, 11, 5, 12, 0), tick=False):
        yield


@pytest.fixture
def resolved(orgs, team):
    ticket = open_ticket(orgs["a"]["org"], orgs["a"]["member"])
    services.ticket_assign(ticket=ticket, actor=team["engineer"], assignee=team["engineer"])
    resolve(ticket, team["engineer"])
    return Ticket.objects.get(pk=ticket.pk)


def _rating(ticket):
    return TicketRating.objects.get(ticket=ticket)


def _path(rating, score=None):
    return links.rating_url(rating, score, absolute=False)


def test_resolving_a_ticket_mails_its_requester_a_rating_link_per_score(resolved):
    rating = _rating(resolved)
    assert rating.round == 1 and rating.score is None and rating.requester_id == resolved.requester_id
    assert rating.expires_at == at(2026, 11, 4, 18, 0) + dt.timedelta(days=14)
    mail = Notification.objects.get(template="csat_request")
    assert mail.recipient == resolved.requester.email and mail.ticket_id == resolved.pk
    for part in (mail.body_text, mail.body_html):
        urls = re.findall(r"http://[^\s\"<]+/feedback/rate/[^\s\"<]+", part)
        assert [u.rsplit("=", 1)[1] for u in urls] == ["1", "2", "3", "4", "5"]


def test_a_rating_mail_is_part_of_the_resolution_and_rolls_back_with_it(orgs, team):
    from django.db import transaction

    ticket = open_ticket(orgs["a"]["org"], orgs["a"]["member"])
    with pytest.raises(RuntimeError), transaction.atomic():
        services.ticket_resolve(ticket=ticket, actor=team["engineer"])
        raise RuntimeError("the resolution fails after the subscriber ran")
    assert not TicketRating.objects.exists() and not Notification.objects.filter(template="csat_request").exists()


@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_a_rating_link_records_nothing_as_mail_scanners_open_every_link(client, resolved, method):
    rating = _rating(resolved)
    for score in range(1, 6):
        response = getattr(client, method)(_path(rating, score))
        assert response.status_code == 200
    rating.refresh_from_db()
    assert rating.score is None and rating.rated_at is None
    assert not Notification.objects.filter(template="csat_low").exists()


def test_the_confirmation_page_shows_the_rating_from_the_link_selected(client, resolved):
    body = client.get(_path(_rating(resolved), 4)).content.decode()
    assert re.search(r'<input[^>]*value="4"[^>]*checked', body)
    assert not re.search(r'<input[^>]*value="5"[^>]*checked', body)


def test_posting_the_confirmation_records_the_rating_and_comment(client, resolved):
    rating = _rating(resolved)
    with time_machine.travel(at(2026, 11, 5, 9, 0), tick=False):
        response = client.post(_path(rating), {"score": "4", "comment": "Quick and clear."})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    rating.refresh_from_db()
    assert (rating.score, rating.comment, rating.rated_at) == (4, "Quick and clear.", at(2026, 11, 5, 9, 0))


@pytest.mark.parametrize("score", ["0", "6", "-1", "five", ""])
def test_a_score_outside_1_to_5_is_refused_and_nothing_is_written(client, resolved, score):
    rating = _rating(resolved)
    response = client.post(_path(rating), {"score": score})
    assert response.status_code == 400 and "from 1 to 5" in response.content.decode()
    rating.refresh_from_db()
    assert rating.score is None


def test_the_service_refuses_a_score_outside_1_to_5(resolved):
    from django.core.exceptions import ValidationError

    from feedback.services import csat_record

    with pytest.raises(ValidationError):
        csat_record(rating=_rating(resolved), score=7)
    assert _rating(resolved).score is None


def test_a_forged_link_is_refused_and_records_nothing(client, resolved):
    rating = _rating(resolved)
    forged = signing.dumps({"r": rating.pk, "t": resolved.pk, "n": 1}, salt=links.RATING_SALT, key="not-our-key")
    tampered = links.rating_token(rating)[:-2] + "xx"
    for token in (forged, tampered, "nonsense"):
        url = f"/feedback/rate/{resolved.pk}/{token}/"
        assert client.get(url).status_code == 400
        response = client.post(url, {"score": "1"})
        assert response.status_code == 400 and "not valid" in response.content.decode()
    assert _rating(resolved).score is None


def test_a_link_for_another_ticket_cannot_rate_this_one(client, resolved, orgs, team):
    other = open_ticket(orgs["b"]["org"], orgs["b"]["member"])
    resolve(other, team["engineer"])
    token_of_other = links.rating_token(_rating(other))
    response = client.post(f"/feedback/rate/{resolved.pk}/{token_of_other}/", {"score": "1"})
    assert response.status_code == 400 and "another ticket" in response.content.decode()
    assert _rating(resolved).score is None and _rating(other).score is None


def test_a_link_expires_after_14_days_and_records_nothing(client, resolved):
    rating = _rating(resolved)
    path = _path(rating)
    with time_machine.travel(at(2026, 11, 18, 17, 59), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(at(2026, 11, 18, 18, 1), tick=False):
        assert client.get(path).status_code == 410
        response = client.post(path, {"score": "5"})
        assert response.status_code == 410 and "expired" in response.content.decode()
    assert _rating(resolved).score is None


def test_a_rating_can_be_changed_until_the_link_expires(client, resolved):
    rating = _rating(resolved)
    with time_machine.travel(at(2026, 11, 5, 9, 0), tick=False):
        client.post(_path(rating), {"score": "3"})
    with time_machine.travel(at(2026, 11, 10, 9, 0), tick=False):
        client.post(_path(rating), {"score": "5", "comment": "Fixed for good."})
    rating.refresh_from_db()
    assert (rating.score, rating.changes) == (5, 1) and TicketRating.objects.filter(ticket=resolved).count() == 1
    with time_machine.travel(at(2026, 11, 19, 9, 0), tick=False):
        assert client.post(_path(rating), {"score": "1"}).status_code == 410
    rating.refresh_from_db()
    assert rating.score == 5


def test_a_rating_of_1_or_2_tells_the_engineering_lead_once(client, resolved, team):
    rating = _rating(resolved)
    client.post(_path(rating), {"score": "2", "comment": "Took days."})
    client.post(_path(rating), {"score": "1", "comment": "Took days."})
    mails = Notification.objects.filter(template="csat_low")
    assert [m.recipient for m in mails] == [team["lead"].email]
    subject, text, html = render(channel="email", template="csat_low", context=mails[0].context)
    assert f"rated ticket #{resolved.pk} 2 out of 5" in text and "Low rating (2/5)" in subject
    assert "Handled by" in text and "Took days." in html


def test_a_rating_of_3_or_more_tells_nobody(client, resolved):
    client.post(_path(_rating(resolved)), {"score": "3"})
    assert not Notification.objects.filter(template="csat_low").exists()


def test_a_reopened_ticket_keeps_its_old_rating_and_is_asked_again_when_resolved_again(client, resolved, team):
    first = _rating(resolved)
    client.post(_path(first), {"score": "2"})
    with time_machine.travel(at(2026, 11, 6, 9, 0), tick=False):
        services.message_create(ticket=resolved, author=resolved.requester, body="Still broken.")  # reopens
    assert TicketRating.objects.filter(ticket=resolved).count() == 1
    resolve(resolved, team["engineer"], when=at(2026, 11, 7, 9, 0))
    rounds = list(TicketRating.objects.filter(ticket=resolved).order_by("round").values_list("round", "score"))
    assert rounds == [(1, 2), (2, None)]
    assert Notification.objects.filter(template="csat_request").count() == 2
    # The first round's link now points at a resolution that was undone and redone: refused.
    with time_machine.travel(at(2026, 11, 7, 10, 0), tick=False):
        assert client.post(_path(first), {"score": "5"}).status_code == 410
    first.refresh_from_db()
    assert first.score == 2


def test_closing_a_resolved_ticket_does_not_ask_again(resolved, team):
    services.ticket_set_status(ticket=resolved, actor=team["engineer"], status="closed")
    assert TicketRating.objects.filter(ticket=resolved).count() == 1


def test_the_ticket_page_asks_its_requester_only(client, resolved, orgs):
    login(client, orgs["a"]["member"])
    body = client.get(f"/tickets/{resolved.pk}/").content.decode()
    assert "How did we do?" in body and f"/feedback/rate/{resolved.pk}/" in body
    client.logout()
    login(client, orgs["a"]["admin"])
    assert "How did we do?" not in client.get(f"/tickets/{resolved.pk}/").content.decode()


def test_the_dashboard_lists_the_viewers_tickets_waiting_for_a_rating(client, resolved, orgs):
    login(client, orgs["a"]["member"])
    with time_machine.travel(at(2026, 11, 5, 9, 0), tick=False):
        body = client.get("/").content.decode()
    assert "How did we do?" in body and "rate it" in body
    with time_machine.travel(at(2026, 11, 19, 9, 0), tick=False):  # expired: no longer asked
        assert "rate it" not in client.get("/").content.decode()


def test_low_ratings_show_in_the_staff_queue_under_the_csat_filter(client, resolved, orgs, team):
    other = open_ticket(orgs["a"]["org"], orgs["a"]["member"], subject="Fine one")
    resolve(other, team["engineer"])
    client.post(_path(_rating(resolved)), {"score": "1"})
    client.post(_path(_rating(other)), {"score": "5"})
    login(client, team["lead"])
    body = client.get("/admin/tickets/ticket/?csat=low").content.decode()
    assert f"/admin/tickets/ticket/{resolved.pk}/change/" in body
    assert f"/admin/tickets/ticket/{other.pk}/change/" not in body
    page = client.get(f"/admin/tickets/ticket/{resolved.pk}/change/").content.decode()
    assert "Customer ratings (CSAT)" in page
