"""Slack Connect: signed events from an Enterprise organisation's channel open tickets and
thread replies onto them; unsigned, stale or replayed requests change nothing."""
import json
import time

import pytest

from slack_connect.models import SlackThread
from tickets.models import Message, Ticket
from tests.factories import CustomerAdminFactory, CustomerFactory
from tests.slack.support import SECRET, signed_headers

pytestmark = pytest.mark.django_db

URL = "/integrations/slack/events/"


def post(client, payload, *, secret=SECRET, timestamp=None):
    body = json.dumps(payload)
    return client.post(URL, body, content_type="application/json",
                       **signed_headers(body, secret=secret, timestamp=timestamp))


def message(text, *, ts="1700000000.000100", thread_ts=None, user="U123", channel="C0ACME", event_id="Ev1"):
    event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {"type": "event_callback", "event_id": event_id, "event": event}


def test_url_verification_answers_the_challenge(client):
    response = post(client, {"type": "url_verification", "challenge": "abc"})
    assert response.json() == {"challenge": "abc"}


def test_a_new_message_opens_a_slack_ticket_filed_for_the_linked_member(client, acme):
    member = CustomerFactory(organization=acme, slack_user_id="U123")
    response = post(client, message("[P1] Checkout API is down\nEvery call returns 502"))
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.severity, ticket.requester, ticket.subject) == (
        "slack", "P1", member, "[P1] Checkout API is down")
    assert SlackThread.objects.get().ticket == ticket


def test_a_reply_in_the_tickets_thread_joins_the_ticket(client, acme):
    post(client, message("Something broke"))
    ticket = Ticket.objects.get()
    post(client, message("More details", ts="1700000001.000200", thread_ts="1700000000.000100", event_id="Ev2"))
    assert Ticket.objects.count() == 1
    assert Message.objects.get(ticket=ticket).body.startswith("More details")


def test_slack_retrying_an_event_does_not_open_a_second_ticket(client, acme):
    post(client, message("Something broke"))
    post(client, message("Something broke"))
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("kwargs", [{"secret": "wrong"}, {"timestamp": time.time() - 600}])
def test_unsigned_or_stale_requests_are_refused_and_change_nothing(client, acme, kwargs):
    response = post(client, message("Something broke"), **kwargs)
    assert response.status_code == 401 and "signature" in response.json()["error"]
    assert not Ticket.objects.exists()


def test_messages_from_bots_unknown_channels_and_pro_organisations_open_nothing(client, acme, pro_org):
    bot = message("deploy finished", event_id="Ev3")
    bot["event"]["bot_id"] = "B1"
    post(client, bot)
    post(client, message("hello", channel="C0UNKNOWN", event_id="Ev4"))
    pro_org.slack_channel = "C0PRO"
    pro_org.save()
    CustomerAdminFactory(organization=pro_org)
    response = post(client, message("hello", channel="C0PRO", event_id="Ev5"))
    assert "no Slack support" in response.json()["outcome"]
    assert not Ticket.objects.exists()


def test_malformed_body_gets_a_clear_400(client):
    for body in ("{not json", "[1, 2]"):
        response = client.post(URL, body, content_type="application/json", **signed_headers(body))
        assert response.status_code == 400 and response.json()["error"]


def test_without_a_signing_secret_the_endpoint_refuses_everything(client, settings):
    settings.SLACK_SIGNING_SECRET = ""
    assert post(client, {"type": "url_verification", "challenge": "x"}, secret="").status_code == 503


def test_a_reply_in_a_closed_tickets_thread_is_answered_in_the_thread_not_lost_in_a_500(client, acme):
    from notifications.models import Notification

    post(client, message("Something broke"))
    ticket = Ticket.objects.get()
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    response = post(client, message("Still broken", ts="1700000002.000300", thread_ts="1700000000.000100",
                                    event_id="Ev9"))
    assert response.status_code == 200 and response.json()["outcome"].startswith(f"refused on #{ticket.pk}")
    assert not Message.objects.filter(ticket=ticket).exists()
    notice = Notification.objects.get(template="slack_notice")
    assert (notice.recipient, notice.context["slack_thread_ts"]) == ("C0ACME", "1700000000.000100")
    assert "closed" in notice.body_text and "new ticket" in notice.body_text
