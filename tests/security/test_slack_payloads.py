"""Issue 11 item 7: a correctly signed Slack event or command of the wrong shape (NUL in a field,
`event` as a string, `text` as a number, an id longer than Slack's) is a 400 naming the field,
and records nothing; well-formed kinds we do not handle are still a 200 "ignored" (docs/slack.md)."""
import json
from urllib.parse import urlencode

import pytest

from slack_connect.models import SlackEvent, SlackThread
from tickets.models import Ticket
from tests.slack.conftest import _slack_signing_secret, acme  # noqa: F401 (fixtures: signed, a linked channel)
from tests.slack.support import signed_headers

pytestmark = pytest.mark.django_db

EVENTS, COMMANDS = "/integrations/slack/events/", "/integrations/slack/commands/"


def message(**fields):
    event = {"type": "message", "channel": "C0ACME", "user": "U123", "text": "Checkout down", "ts": "1700000000.1"}
    return {"type": "event_callback", "event_id": "Ev1", "event": {**event, **fields}}


def post_event(client, payload):
    body = json.dumps(payload)
    return client.post(EVENTS, body, content_type="application/json", **signed_headers(body))


def post_command(client, form):
    body = urlencode(form)
    return client.post(COMMANDS, body, content_type="application/x-www-form-urlencoded", **signed_headers(body))


def nothing_recorded():
    return not Ticket.objects.exists() and not SlackEvent.objects.exists() and not SlackThread.objects.exists()


@pytest.mark.parametrize("payload, field", [
    (message(text="down\u0000"), "event.text"),
    (message(user="U1\u0000"), "event.user"),
    (message(channel="C0ACME\u0000"), "event.channel"),
    ({**message(), "event_id": "Ev\u0000"}, "event_id"),
    ({"type": "event_callback", "event_id": "Ev1", "event": "message"}, "event"),
    (message(text=42), "event.text"),
    (message(channel=["C0ACME"]), "event.channel"),
    (message(ts="1" * 33), "event.ts"),
    (message(thread_ts="1" * 33), "event.thread_ts"),
    (message(thread_ts=1700000000.1), "event.thread_ts"),
    ({**message(), "event_id": "E" * 65}, "event_id"),
    ({"type": "event_callback", "event_id": "Ev1"}, "event"),
    ({"type": 5}, "type"),
    ({"type": "url_verification", "challenge": {"a": 1}}, "challenge"),
])
def test_a_signed_event_of_the_wrong_shape_is_a_400_naming_the_field_and_records_nothing(client, acme, payload,
                                                                                         field):
    response = post_event(client, payload)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"Not a Slack event: {field}:")
    assert nothing_recorded()


def test_a_well_formed_event_of_a_kind_not_handled_is_a_200_ignored(client, acme):
    reaction = {"type": "event_callback", "event_id": "Ev7",
                "event": {"type": "reaction_added", "user": "U123", "item": {"type": "message", "ts": "1.2"}}}
    response = post_event(client, reaction)
    assert response.status_code == 200 and response.json()["outcome"].startswith("ignored")
    assert not Ticket.objects.exists()
    assert post_event(client, {"type": "app_rate_limited"}).json()["outcome"] == "ignored"


def test_a_well_formed_message_still_opens_a_ticket(client, acme):
    assert post_event(client, message()).status_code == 200
    assert Ticket.objects.get().subject == "Checkout down"


@pytest.mark.parametrize("form, field", [
    ({"trigger_id": "1" * 57}, "trigger_id"),
    ({"channel_id": "C" * 51}, "channel_id"),
    ({"user_id": "U" * 33}, "user_id"),
])
def test_a_signed_command_with_an_over_long_id_is_a_400_and_records_nothing(client, acme, form, field):
    response = post_command(client, {"command": "/aragora", "text": "[P2] slow", "channel_id": "C0ACME",
                                     "user_id": "U123", **form})
    assert response.status_code == 400 and response.json()["error"].startswith(f"Not a Slack command: {field}:")
    assert nothing_recorded()


@pytest.mark.parametrize("field", ["text", "channel_id", "user_id", "trigger_id"])
def test_a_signed_command_with_nul_in_a_field_is_a_400_and_records_nothing(client, acme, field):
    form = {"command": "/aragora", "text": "[P2] slow", "channel_id": "C0ACME", "user_id": "U123", "trigger_id": "t1"}
    response = post_command(client, {**form, field: form[field] + "\x00"})
    assert response.status_code == 400 and "NUL" in response.json()["error"]
    assert nothing_recorded()
