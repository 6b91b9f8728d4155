"""Inbound mail is placed by who provably sent it, answers no one into a flood, and threads only
into tickets the sender may see (issue 11, items 4, 8 and 9)."""
import datetime as dt
import hashlib
import threading
from pathlib import Path

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import CustomerRole
from email_intake.auto_replies import auto_reply_claim
from email_intake.models import AutoReplyRecipient, InboundEmail, Outcome
from email_intake.services import email_ingest, email_place, email_verify_sender
from notifications import senders
from notifications.models import Notification
from notifications.services import notification_send
from tests.factories import CustomerAdminFactory, CustomerFactory, StaffFactory, TicketFactory
from tests.test_email_ingest import mail
from tickets import services as ticket_services
from tickets.mail_tokens import ticket_token
from tickets.models import Message, Ticket
from tickets.selectors import ticket_is_visible_to, tickets_visible_to
from tickets.sla.sweep import sla_sweep

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "email_intake" / "fixtures"
SATURDAY_NIGHT = dt.datetime(2026, 12, 5, 6, 0, tzinfo=dt.timezone.utc)  # 22:00 in California: P1 pages


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.eml").read_bytes()


@pytest.fixture
def priya(enterprise_org):
    return CustomerFactory(organization=enterprise_org, email="priya@acme.example", username="priya")


@pytest.fixture
def receiving_server(settings):
    settings.EMAIL_AUTHSERV_ID = ["mx.aragora.ai"]


def ingest_at(when, raw, mailbox="enterprise"):
    with time_machine.travel(when, tick=False):
        return email_ingest(raw, mailbox=mailbox)


# --- item 4: Authentication-Results, not From ------------------------------------------------------

def test_a_spoofed_p1_failing_dmarc_is_held_for_its_organisation_and_pages_nobody(priya, enterprise_org,
                                                                                 receiving_server):
    inbound = ingest_at(SATURDAY_NIGHT, fixture("spoofed_dmarc_fail"))
    assert inbound.outcome == Outcome.HELD and inbound.organization == enterprise_org
    assert inbound.reason == ("Sender priya@acme.example not authenticated (DMARC fail for acme.example "
                              "(mx.aragora.ai)): held until staff verify them.")
    with time_machine.travel(SATURDAY_NIGHT + dt.timedelta(hours=2), tick=False):
        sla_sweep()
    assert not Ticket.objects.exists() and not Notification.objects.exists()


def test_the_same_p1_authenticated_by_our_server_opens_a_ticket_that_pages(priya, receiving_server):
    inbound = ingest_at(SATURDAY_NIGHT, fixture("dmarc_pass_relayed"))
    assert inbound.outcome == Outcome.TICKET_CREATED and inbound.ticket.severity == "P1"
    with time_machine.travel(SATURDAY_NIGHT + dt.timedelta(minutes=31), tick=False):
        sla_sweep()
    assert Notification.objects.filter(ticket=inbound.ticket, channel="pager").exists()


def test_mail_that_did_not_pass_our_receiving_server_is_held(priya, receiving_server):
    inbound = email_ingest(mail("priya@acme.example", "[P1] Down", "down"), mailbox="enterprise")
    assert inbound.outcome == Outcome.HELD and "no Authentication-Results from mx.aragora.ai" in inbound.reason
    assert not Ticket.objects.exists()


def test_checking_authentication_adds_no_query_to_a_new_ticket(priya, receiving_server):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    passed = {"Authentication-Results": "mx.aragora.ai; dmarc=pass header.from=acme.example"}
    email_ingest(mail("priya@acme.example", "[P3] Warm", "x", headers=passed), mailbox="enterprise")  # policy cache
    with CaptureQueriesContext(connection) as queries:
        inbound = email_ingest(mail("priya@acme.example", "[P3] Counted", "x", headers=passed), mailbox="enterprise")
    assert inbound.outcome == Outcome.TICKET_CREATED
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements == ["SAVEPOINT", "SELECT", "INSERT", "INSERT", "INSERT", "RELEASE"], statements


def test_staff_verifying_the_sender_opens_the_held_ticket_and_a_reprocess_does_not(priya, receiving_server):
    inbound = email_ingest(fixture("spoofed_dmarc_fail"), mailbox="enterprise")
    assert email_place(inbound, actor=StaffFactory()).outcome == Outcome.HELD  # reprocess: checked again
    inbound = email_verify_sender(inbound=inbound, actor=StaffFactory())
    assert inbound.outcome == Outcome.TICKET_CREATED and inbound.ticket.requester == priya


def test_an_unauthenticated_reply_does_not_join_the_ticket(priya, receiving_server):
    ticket = TicketFactory(organization=priya.organization, requester=priya)
    forged = mail("priya@acme.example", f"Re: [{ticket_token(ticket.pk)}] Down", "Please close this",
                  headers={"Authentication-Results": "mx.aragora.ai; dmarc=fail header.from=acme.example"})
    inbound = email_ingest(forged, mailbox="enterprise")
    assert inbound.outcome == Outcome.HELD and not Message.objects.filter(ticket=ticket).exists()


def test_unauthenticated_free_tier_mail_is_held_and_not_answered(free_org, receiving_server):
    raw = mail("victim@elsewhere.example", "Hi", f"Account ID: {free_org.account_id}",
               headers={"Authentication-Results": "mx.aragora.ai; spf=fail smtp.mailfrom=elsewhere.example"})
    inbound = email_ingest(raw, mailbox="support")
    assert inbound.outcome == Outcome.HELD and not Notification.objects.exists()


def test_without_a_receiving_server_configured_from_is_trusted_as_written(priya, settings):
    settings.EMAIL_AUTHSERV_ID = []
    inbound = email_ingest(fixture("spoofed_dmarc_fail"), mailbox="enterprise")
    assert inbound.outcome == Outcome.TICKET_CREATED and inbound.ticket.requester == priya


def test_several_from_addresses_are_quarantined_not_first_wins(priya):
    inbound = email_ingest(fixture("multiple_from"), mailbox="enterprise")
    assert inbound.outcome == Outcome.QUARANTINED and not Ticket.objects.exists()
    assert inbound.reason == ("From names 2 addresses (priya@acme.example, mallory@evil.example): a message must "
                              "have one sender to answer; not placed.")


def test_two_from_headers_are_several_from_addresses(priya):
    raw = (b"From: priya@acme.example\r\nFrom: mallory@evil.example\r\nTo: support@aragora.ai\r\n"
           b"Subject: [P1] Down\r\nMessage-ID: <two-from@evil.example>\r\n\r\nDown\r\n")
    inbound = email_ingest(raw, mailbox="enterprise")
    assert inbound.outcome == Outcome.QUARANTINED and inbound.reason.startswith("From names 2 addresses")
    assert not Ticket.objects.exists()


# --- item 8: automatic replies are rate-limited and reflect nothing --------------------------------

ATTACKER_SUBJECT = "Claim your refund at http://evil.example/win"


def free_mail(account_id, *, sender="victim@elsewhere.example", subject=ATTACKER_SUBJECT):
    return mail(sender, subject, f"Account ID: {account_id}\n\nVisit http://evil.example/body-link now")


def test_the_free_tier_auto_reply_carries_nothing_the_sender_wrote(free_org):
    inbound = email_ingest(free_mail(free_org.account_id), mailbox="support")
    assert inbound.outcome == Outcome.FREE_TIER
    reply = Notification.objects.get(template="free_tier_reply")
    assert reply.recipient == "victim@elsewhere.example" and "Community forums" in reply.body_text
    for text in (reply.subject, reply.body_text, reply.body_html, str(reply.context)):
        assert "evil.example" not in text and "refund" not in text
    # Whoever quotes an Account ID is not told whose it is.
    assert free_org.name not in reply.body_text + reply.body_html and "This account is on the Free" in reply.body_text


def test_a_free_tier_member_is_answered_with_their_organisations_name(free_org):
    CustomerFactory(organization=free_org, email="carol@globex.example")
    email_ingest(mail("carol@globex.example", ATTACKER_SUBJECT, "help"), mailbox="support")
    reply = Notification.objects.get(template="free_tier_reply")
    assert f"{free_org.name} is on the Free" in reply.body_text and "refund" not in reply.subject


def test_an_address_gets_at_most_one_auto_reply_a_day_however_many_messages(free_org):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
    inbounds = [ingest_at(start + dt.timedelta(hours=h), free_mail(free_org.account_id), "support")
                for h in (0, 1, 23)]
    assert Notification.objects.filter(template="free_tier_reply").count() == 1
    assert all(i.outcome == Outcome.FREE_TIER for i in inbounds)
    assert inbounds[2].reason == ("Free tier: not answered, victim@elsewhere.example had an automatic reply within "
                                  "the last 24 h (one per address per 24 h).")
    ingest_at(start + dt.timedelta(hours=24, minutes=1), free_mail(free_org.account_id), "support")
    assert Notification.objects.filter(template="free_tier_reply").count() == 2


def test_the_auto_reply_limit_is_per_address_and_a_setting(free_org, settings):
    settings.EMAIL_AUTO_REPLY_INTERVAL_HOURS = 1
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
    ingest_at(start, free_mail(free_org.account_id), "support")
    ingest_at(start, free_mail(free_org.account_id, sender="other@elsewhere.example"), "support")
    ingest_at(start + dt.timedelta(minutes=30), free_mail(free_org.account_id), "support")
    ingest_at(start + dt.timedelta(minutes=61), free_mail(free_org.account_id), "support")
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == [
        "other@elsewhere.example", "victim@elsewhere.example", "victim@elsewhere.example"]
    assert AutoReplyRecipient.objects.count() == 2  # counted in the database, one row an address


def _until_a_backend_waits_on_a_lock() -> None:
    deadline = timezone.now() + dt.timedelta(seconds=10)
    with connection.cursor() as cursor:
        while timezone.now() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()")
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.01)
    raise AssertionError("the second worker never waited for the first")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("answered_before", [False, True], ids=["new address", "answered two days ago"])
def test_two_workers_answering_one_address_at_once_send_one_reply(answered_before):
    address = "victim@elsewhere.example"
    if answered_before:
        AutoReplyRecipient.objects.create(address=address, last_sent_at=timezone.now() - dt.timedelta(days=2))
    claimed, errors = [], []
    first_claimed, release = threading.Event(), threading.Event()

    def worker(hold: bool):
        try:
            with transaction.atomic():
                claimed.append(auto_reply_claim(address, hours=24))
                if hold:
                    first_claimed.set()
                    assert release.wait(10)  # the other worker now waits on our uncommitted claim
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    holder = threading.Thread(target=worker, args=(True,))
    holder.start()
    assert first_claimed.wait(10)
    racer = threading.Thread(target=worker, args=(False,))
    racer.start()
    _until_a_backend_waits_on_a_lock()
    release.set()
    holder.join(10)
    racer.join(10)
    assert errors == [] and sorted(claimed) == [False, True]
    assert AutoReplyRecipient.objects.count() == 1


# --- item 9: unguessable Message-IDs, and threading only into tickets the sender may see -----------

def test_message_ids_are_a_keyed_mac_of_the_outbox_key_not_a_hash_of_it(settings):
    key = "reply:42:email:alice@initech.example"
    guessed = f"<notification.{hashlib.sha256(key.encode()).hexdigest()[:32]}@aragora.ai>"
    first = senders.message_id(key)
    assert first != guessed and first == senders.message_id(key)  # stable: a retry sends the same id
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert senders.message_id(key) != first


@pytest.fixture
def colleagues(pro_org):
    alice = CustomerFactory(organization=pro_org, email="alice@initech.example", username="alice")
    bob = CustomerFactory(organization=pro_org, email="bob@initech.example", username="bob")
    return alice, bob


def alices_ticket_with_a_staff_reply(alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    opened = email_ingest(mail("alice@initech.example", "[P2] Broken", "It broke",
                               message_id="<alice-first@initech.example>"), mailbox="support")
    ticket_services.message_create(ticket=opened.ticket, author=StaffFactory(), body="Which region?")
    row = Notification.objects.get(template="ticket_reply")
    assert notification_send(row.pk) == "sent"
    row.refresh_from_db()
    return opened.ticket, row.provider_id


def test_a_member_cannot_thread_into_a_colleagues_ticket_by_references(colleagues, settings):
    alice, bob = colleagues
    ticket, our_message_id = alices_ticket_with_a_staff_reply(alice, settings)
    for references in (our_message_id, "<alice-first@initech.example>"):
        injected = mail("bob@initech.example", "Re: Broken", "Please close this, resolved.",
                        headers={"In-Reply-To": references, "References": references})
        inbound = email_ingest(injected, mailbox="support")
        assert inbound.outcome == Outcome.HELD and "may not see it" in inbound.reason
    assert list(Message.objects.filter(ticket=ticket).values_list("body", flat=True)) == ["Which region?"]


def test_a_member_cannot_reply_into_a_colleagues_ticket_with_its_token(colleagues, settings):
    alice, bob = colleagues
    ticket, _ = alices_ticket_with_a_staff_reply(alice, settings)
    token = ticket_token(ticket.pk)
    for subject, to in ((f"Re: [{token}] Broken", "support@aragora.ai"), ("Re: Broken", f"support+{token}@aragora.ai")):
        inbound = email_ingest(mail("bob@initech.example", subject, "close it", to=to), mailbox="support")
        assert inbound.outcome == Outcome.HELD and "may not see it" in inbound.reason
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_the_requester_and_a_customer_admin_still_thread_by_references(colleagues, pro_org, settings):
    alice, _ = colleagues
    CustomerAdminFactory(organization=pro_org, email="admin@initech.example")
    ticket, our_message_id = alices_ticket_with_a_staff_reply(alice, settings)
    for sender in ("alice@initech.example", "admin@initech.example"):
        reply = mail(sender, "Re: Broken", f"eu-west-1 ({sender})", headers={"In-Reply-To": our_message_id})
        assert email_ingest(reply, mailbox="support").outcome == Outcome.REPLY_ADDED
    assert Message.objects.filter(ticket=ticket).count() == 3 and InboundEmail.objects.count() == 3


@pytest.mark.parametrize("role", ["requester", "colleague", "admin", "outsider", "staff"])
def test_the_one_ticket_check_agrees_with_the_portals_ticket_list(pro_org, other_org, role):
    requester = CustomerFactory(organization=pro_org)
    ticket = TicketFactory(organization=pro_org, requester=requester)
    user = {"requester": lambda: requester,
            "colleague": lambda: CustomerFactory(organization=pro_org, customer_role=CustomerRole.MEMBER),
            "admin": lambda: CustomerAdminFactory(organization=pro_org),
            "outsider": lambda: CustomerAdminFactory(organization=other_org),
            "staff": StaffFactory}[role]()
    assert ticket_is_visible_to(user, ticket) == tickets_visible_to(user).filter(pk=ticket.pk).exists()
    assert ticket_is_visible_to(user, ticket) is (role != "colleague" and role != "outsider")
