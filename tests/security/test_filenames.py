"""Issue 11 item 13: a file name never carries invisible bidi or format controls, so
"\u202egnp.exe" (shown as "exe.png") is stored and shown as the "gnp.exe" it is, whichever way it
came in (API, portal, inbound mail) and for names stored before the fix."""
import importlib

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from email_intake.models import Outcome
from email_intake.parsing import parse_email
from email_intake.services import email_ingest
from tickets import services
from tickets.filenames import safe_filename
from tickets.models import Attachment
from tests.conftest import api_as, login
from tests.factories import CustomerFactory, TicketFactory
from tests.test_email_ingest import mail

FORMAT_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
                   "\u200e", "\u200f", "\u200b", "\u200d", "\ufeff", "\u061c"]


@pytest.mark.parametrize("control", FORMAT_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_safe_filename_removes_each_bidi_and_format_control(control):
    assert safe_filename(f"{control}gnp.exe") == "gnp.exe"
    assert safe_filename(f"report{control}.pdf") == "report.pdf"


def test_safe_filename_keeps_real_names_and_never_returns_an_empty_or_dot_name():
    assert safe_filename("Rechnung März 2025.pdf") == "Rechnung März 2025.pdf"
    assert safe_filename("C:\\Users\\dana\\notes.txt") == "notes.txt"
    assert safe_filename("\u202e\u2066") == "attachment" and safe_filename(".\u202ehidden") == "hidden"
    assert safe_filename("a\tb\x01c.log") == "a b_c.log"
    long = safe_filename("ü" * 300 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode()) <= 200


@pytest.mark.django_db
def test_an_attachment_stored_by_the_service_has_no_bidi_override(customer):
    ticket = TicketFactory(requester=customer)
    attachment = services.attachment_create(ticket=ticket, uploaded_by=customer,
                                            uploaded_file=SimpleUploadedFile("\u202egnp.exe", b"MZ"))
    assert attachment.filename == "gnp.exe"
    response = api_as(customer).get(f"/api/v1/tickets/{ticket.pk}/attachments/{attachment.pk}/download/")
    assert 'filename="gnp.exe"' in response["Content-Disposition"]


@pytest.mark.django_db
def test_api_and_portal_uploads_store_names_without_bidi_controls(customer):
    ticket = TicketFactory(requester=customer)
    api_as(customer).post(f"/api/v1/tickets/{ticket.pk}/attachments/",
                          {"file": SimpleUploadedFile("\u2067shot\u2069.png", b"png")}, format="multipart")
    login(Client(), customer).post(
        f"/tickets/{ticket.pk}/", {"body": "see file", "attachment": SimpleUploadedFile("log\u200f.txt", b"x")})
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == ["log.txt", "shot.png"]


def test_inbound_mail_attachment_names_are_parsed_without_bidi_controls():
    raw = mail("alice@initech.example", "[P3] Logs", "attached", attachment=("\u202egnp.exe", b"MZ"))
    assert [a.filename for a in parse_email(raw).attachments] == ["gnp.exe"]
    assert parse_email(raw, max_attachment_bytes=1).skipped_attachments == (("gnp.exe", 2),)


@pytest.mark.django_db
def test_inbound_mail_stores_its_attachment_without_bidi_controls(pro_org):
    CustomerFactory(organization=pro_org, email="alice@initech.example")
    raw = mail("alice@initech.example", "[P3] Logs", "attached", attachment=("inv\u202eoice.pdf", b"%PDF"))
    inbound = email_ingest(raw, mailbox="support")
    assert inbound.outcome == Outcome.TICKET_CREATED
    assert inbound.ticket.attachments.get().filename == "invoice.pdf"


@pytest.mark.django_db
def test_names_stored_before_the_fix_are_cleaned_by_the_migration(customer):
    ticket = TicketFactory(requester=customer)
    dirty = Attachment.objects.create(ticket=ticket, uploaded_by=customer, filename="\u202egnp.exe",
                                      content_type="application/octet-stream", size=2, file="x")
    clean = Attachment.objects.create(ticket=ticket, uploaded_by=customer, filename="ok.png",
                                      content_type="image/png", size=2, file="y")
    migration = importlib.import_module("tickets.migrations.0007_attachment_names_without_format_controls")
    migration.clean_names(apps, None)
    dirty.refresh_from_db(), clean.refresh_from_db()
    assert (dirty.filename, clean.filename) == ("gnp.exe", "ok.png")
