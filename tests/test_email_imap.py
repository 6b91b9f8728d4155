"""The mailbox poller against a real IMAP server on loopback (pymap): mail is stored before it
is moved, each message once, and a message that could not be stored stays in the mailbox."""
import imaplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from email_intake.imap import poll_mailbox
from email_intake.models import InboundEmail
from tickets.models import Ticket
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def imap_server():
    port = _free_port()
    process = subprocess.Popen([str(Path(sys.executable).parent / "pymap"), "--host", "127.0.0.1", "--port",
                                str(port), "--no-tls", "dict"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the IMAP server did not start")
    yield {"name": "support", "host": "127.0.0.1", "port": port, "ssl": False, "user": "demouser",
           "password": "demopass", "folder": "INBOX", "processed_folder": "Processed"}
    process.terminate()
    process.wait(timeout=10)


def deliver(config, *raws):
    conn = imaplib.IMAP4(config["host"], config["port"])
    conn.login(config["user"], config["password"])
    for raw in raws:
        conn.append("INBOX", None, None, raw)
    conn.logout()


def uids(config, folder):
    conn = imaplib.IMAP4(config["host"], config["port"])
    conn.login(config["user"], config["password"])
    if conn.select(folder)[0] != "OK":
        return []
    found = conn.uid("SEARCH", None, "ALL")[1][0].split()
    conn.logout()
    return found


def mail(subject, message_id=None, sender="alice@initech.example"):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "support@aragora.ai", subject
    message["Message-ID"] = message_id or make_msgid(domain="customer.example")
    message.set_content("Details in the body.")
    return bytes(message)


def test_poller_opens_tickets_and_moves_mail_only_after_storing_it(imap_server, pro_org):
    CustomerFactory(organization=pro_org, email="alice@initech.example")
    deliver(imap_server, mail("[P2] First"), mail("[P3] Second"), b"\x00\x01 garbage")
    counts = poll_mailbox(imap_server)
    assert counts == {"ticket_created": 2, "quarantined": 1}
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["First", "Second"]
    assert uids(imap_server, "INBOX") == [] and len(uids(imap_server, "Processed")) == 3
    assert poll_mailbox(imap_server) == {}  # nothing new: nothing fetched twice


def test_more_mail_than_one_batch_is_stored_batch_by_batch_and_all_moved(imap_server, pro_org):
    from email_intake.batches import BATCH_MESSAGES

    CustomerFactory(organization=pro_org, email="alice@initech.example")
    count = BATCH_MESSAGES + 2
    deliver(imap_server, *(mail(f"[P3] Number {n}") for n in range(count)))
    assert poll_mailbox(imap_server) == {"ticket_created": count}
    assert Ticket.objects.count() == count
    assert uids(imap_server, "INBOX") == [] and len(uids(imap_server, "Processed")) == count


def test_the_same_message_delivered_twice_opens_one_ticket(imap_server, pro_org):
    CustomerFactory(organization=pro_org, email="alice@initech.example")
    raw = mail("[P2] Dup", message_id="<dup@customer.example>")
    deliver(imap_server, raw, raw)
    poll_mailbox(imap_server)
    assert Ticket.objects.count() == 1 and InboundEmail.objects.count() == 1


def test_a_message_that_could_not_be_stored_stays_in_the_mailbox_and_its_batch_goes_on(
        imap_server, pro_org, monkeypatch, storing_fails_for):
    CustomerFactory(organization=pro_org, email="alice@initech.example")
    deliver(imap_server, mail("[P2] Before"), mail("[P2] Unlucky"), mail("[P2] After"))
    storing_fails_for(b"Unlucky")
    assert poll_mailbox(imap_server) == {"ticket_created": 2, "not_stored": 1}
    assert len(uids(imap_server, "INBOX")) == 1
    monkeypatch.undo()
    assert poll_mailbox(imap_server) == {"ticket_created": 1}
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["After", "Before", "Unlucky"]


def test_an_unreachable_mailbox_does_not_stop_the_others(imap_server, pro_org, settings):
    from email_intake.tasks import poll_mailboxes

    CustomerFactory(organization=pro_org, email="alice@initech.example")
    deliver(imap_server, mail("[P2] Reached"))
    down = {**imap_server, "name": "enterprise", "port": _free_port(), "timeout": 2}
    settings.IMAP_MAILBOXES = [down, imap_server]
    results = poll_mailboxes()
    assert "error" in results["enterprise"] and results["support"] == {"ticket_created": 1}
