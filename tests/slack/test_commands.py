"""The /aragora slash command: signed like every Slack request, answered privately, and bound
to the organisation its channel is linked to."""
import time
from urllib.parse import urlencode

import pytest

from slack_connect.models import SlackEvent
from tickets.models import Ticket
from tests.factories import CustomerAdminFactory, CustomerFactory, TicketFactory
from tests.slack.support import signed_headers

pytestmark = pytest.mark.django_db

URL = "/integrations/slack/commands/"


def command(client, text, *, channel="C0ACME", user="U123", trigger="T1", **sign):
    body = urlencode({"command": "/aragora", "text": text, "channel_id": channel, "user_id": user,
                      "trigger_id": trigger, "team_id": "T0", "response_url": "https://hooks.example/x"})
    return client.post(URL, body, content_type="application/x-www-form-urlencoded", **signed_headers(body, **sign))


def test_a_command_opens_a_ticket_with_the_organisations_defaults_and_answers_privately(client, acme):
    member = CustomerFactory(organization=acme, slack_user_id="U123")
    response = command(client, "[P2] Checkout is slow for EU users")
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.severity, ticket.requester, ticket.environment) == (
        "slack", "P2", member, "production")
    answer = response.json()
    assert answer["response_type"] == "ephemeral" and f"#{ticket.pk}" in answer["text"]


def test_a_command_without_a_severity_files_p3(client, acme):
    command(client, "Exports time out")
    assert Ticket.objects.get().severity == "P3"


def test_help_and_an_empty_command_explain_and_open_nothing(client, acme):
    for text in ("", "help"):
        assert "/aragora status" in command(client, text).json()["text"]
    assert not Ticket.objects.exists()


def test_status_shows_a_ticket_of_the_channels_organisation(client, acme):
    ticket = TicketFactory(requester__organization=acme, subject="Exports <!channel> time out",
                           status="waiting_on_customer", channel="slack")
    text = command(client, f"status {ticket.pk}").json()["text"]
    assert f"#{ticket.pk}" in text and "waiting on customer" in text
    assert "<!channel>" not in text  # what a customer typed never pings a channel


def test_status_follows_the_portals_rule_members_see_their_own_tickets(client, acme):
    member = CustomerFactory(organization=acme, slack_user_id="U123")
    colleague = CustomerFactory(organization=acme, slack_user_id="U456")
    admin = CustomerAdminFactory(organization=acme, slack_user_id="U789")
    mine = TicketFactory(requester=member, subject="My export")
    theirs = TicketFactory(requester=colleague, subject="Colleague's private matter")
    assert "My export" in command(client, f"status {mine.pk}", user="U123").json()["text"]
    refused = command(client, f"status {theirs.pk}", user="U123").json()["text"]
    assert "no ticket" in refused and "private" not in refused
    assert "private matter" in command(client, f"status {theirs.pk}", user="U789", trigger="T2").json()["text"]
    # Someone in the channel who is no portal user sees only what was opened in the channel.
    assert "no ticket" in command(client, f"status {mine.pk}", user="U000").json()["text"]
    assert admin.slack_user_id == "U789"


def test_status_of_another_organisations_ticket_reads_as_unknown(client, acme, other_org):
    theirs = TicketFactory(requester__organization=other_org, subject="Their secret outage")
    text = command(client, f"status #{theirs.pk}").json()["text"]
    assert "no ticket" in text and "secret" not in text


def test_the_same_command_delivered_twice_opens_one_ticket(client, acme):
    command(client, "Exports time out", trigger="T42")
    again = command(client, "Exports time out", trigger="T42")
    assert Ticket.objects.count() == 1 and "already" in again.json()["text"]
    assert SlackEvent.objects.filter(event_id="command:T42").exists()


def test_unlinked_channels_and_tiers_without_slack_are_told_why_and_file_nothing(client, acme, pro_org):
    assert "not linked" in command(client, "help", channel="C0NOPE").json()["text"]
    pro_org.slack_channel = "C0PRO"
    pro_org.save()
    CustomerAdminFactory(organization=pro_org)
    assert "no Slack support" in command(client, "Broken", channel="C0PRO").json()["text"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("sign", [{"secret": "wrong"}, {"timestamp": time.time() - 600}])
def test_unsigned_or_stale_commands_are_refused(client, acme, sign):
    response = command(client, "Broken", **sign)
    assert response.status_code == 401
    assert not Ticket.objects.exists()


def test_a_command_that_is_not_a_form_gets_a_400(client, acme):
    body = '{"text": "Broken"}'
    response = client.post(URL, body, content_type="application/json", **signed_headers(body))
    assert response.status_code == 400 and "form" in response.json()["error"]
