"""Ticket writes: one service per change, each atomic and logged in the event log."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets import services
from tickets.models import Attachment, EventKind, Message, Queue, Status, Ticket, TicketEvent
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def create(org, requester, **overrides):
    values = dict(organization=org, requester=requester, subject="API down", description="All 5xx",
                  severity="P1", channel="portal")
    values.update(overrides)
    return services.ticket_create(**values)


def test_create_logs_a_created_event_with_channel_and_severity(customer, pro_org):
    ticket, created = create(pro_org, customer)
    assert created and ticket.status == Status.NEW
    event = TicketEvent.objects.get(ticket=ticket)
    assert event.kind == EventKind.CREATED and event.actor == customer
    assert event.data == {"channel": "portal", "severity": "P1"}


def test_enterprise_tickets_go_to_the_priority_queue_and_pro_to_standard(enterprise_org, pro_org, customer):
    ent_customer = CustomerFactory(organization=enterprise_org)
    assert create(enterprise_org, ent_customer)[0].queue == Queue.PRIORITY
    assert create(pro_org, customer)[0].queue == Queue.STANDARD


def test_free_tier_cannot_open_tickets_and_is_pointed_to_its_channels(free_org):
    with pytest.raises(ValidationError, match="Community forums, GitHub issues"):
        create(free_org, CustomerFactory(organization=free_org))
    assert not Ticket.objects.exists()


def test_unknown_severity_and_missing_fields_write_nothing(customer, pro_org):
    with pytest.raises(ValidationError) as exc:
        create(pro_org, customer, severity="P9", subject="  ", description="")
    assert set(exc.value.message_dict) == {"severity", "subject", "description"}
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failure_after_the_ticket_row_is_written_leaves_no_ticket(customer, pro_org, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("event log unavailable")

    monkeypatch.setattr(services, "_detect_systemic", broken)
    with pytest.raises(RuntimeError):
        create(pro_org, customer)
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_a_refused_ticket_leaves_the_callers_transaction_usable(customer, pro_org):
    from django.db import transaction

    with transaction.atomic():
        with pytest.raises(ValidationError):
            create(pro_org, customer, severity="P9")
        ticket, _ = create(pro_org, customer)  # the same transaction goes on
    assert Ticket.objects.get() == ticket


def test_customer_cannot_open_a_ticket_for_another_organisation(customer, other_org):
    with pytest.raises(PermissionDenied):
        create(other_org, customer)


def test_same_idempotency_key_returns_the_first_ticket(customer, pro_org):
    first, created = create(pro_org, customer, idempotency_key="k-1")
    again, created_again = create(pro_org, customer, idempotency_key="k-1", subject="different")
    assert created and not created_again and again.pk == first.pk and again.subject == "API down"
    assert Ticket.objects.count() == 1


def test_idempotency_key_is_scoped_to_the_requester(customer, customer_admin, pro_org):
    a, _ = create(pro_org, customer, idempotency_key="same")
    b, created = create(pro_org, customer_admin, idempotency_key="same")
    assert created and a.pk != b.pk


def test_status_changes_follow_the_allowed_transitions_and_are_logged(customer, pro_org, staff):
    ticket, _ = create(pro_org, customer)
    services.ticket_acknowledge(ticket=ticket, actor=staff)
    ticket = services.ticket_resolve(ticket=ticket, actor=staff)
    assert ticket.status == Status.RESOLVED and ticket.resolved_at is not None
    services.ticket_set_status(ticket=ticket, actor=staff, status=Status.CLOSED)
    with pytest.raises(ValidationError, match="closed ticket cannot become in progress"):
        services.ticket_set_status(ticket=ticket, actor=staff, status=Status.IN_PROGRESS)
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", "data__new"))
    assert kinds == [("created", None), ("status_changed", "acknowledged"), ("status_changed", "resolved"),
                     ("status_changed", "closed")]


def test_customers_cannot_change_status_severity_or_assignee(customer, pro_org, staff):
    ticket, _ = create(pro_org, customer)
    for call in (lambda: services.ticket_resolve(ticket=ticket, actor=customer),
                 lambda: services.ticket_change_severity(ticket=ticket, actor=customer, severity="P4"),
                 lambda: services.ticket_assign(ticket=ticket, actor=customer, assignee=staff)):
        with pytest.raises(PermissionDenied):
            call()


def test_tickets_are_assigned_to_staff_only(customer, pro_org, staff):
    ticket, _ = create(pro_org, customer)
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket=ticket, actor=staff, assignee=customer)
    assert services.ticket_assign(ticket=ticket, actor=staff, assignee=staff).assignee == staff


def test_severity_change_records_old_new_and_reason(customer, pro_org, staff):
    ticket, _ = create(pro_org, customer, severity="P3")
    services.ticket_change_severity(ticket=ticket, actor=staff, severity="P1", reason="All users affected")
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SEVERITY_CHANGED)
    assert event.data == {"old": "P3", "new": "P1", "reason": "All users affected"}


def test_customer_reply_to_a_resolved_ticket_reopens_it(customer, pro_org, staff):
    ticket, _ = create(pro_org, customer)
    services.ticket_resolve(ticket=ticket, actor=staff)
    services.message_create(ticket=ticket, author=customer, body="Still broken")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.resolved_at is None
    reopen = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).last()
    assert reopen.data["reopened"] is True and reopen.data["cause"] == "customer_reply"


def test_customer_reply_to_a_ticket_waiting_on_them_puts_it_back_in_progress(customer, pro_org, staff):
    ticket, _ = create(pro_org, customer)
    services.ticket_set_status(ticket=ticket, actor=staff, status=Status.WAITING_ON_CUSTOMER)
    services.message_create(ticket=ticket, author=customer, body="Here is the HAR file")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_staff_reply_does_not_change_status(customer, pro_org, staff):
    ticket, _ = create(pro_org, customer)
    services.ticket_set_status(ticket=ticket, actor=staff, status=Status.WAITING_ON_CUSTOMER)
    services.message_create(ticket=ticket, author=staff, body="Any news?")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_CUSTOMER


def test_closed_ticket_takes_no_replies(customer, pro_org, staff):
    ticket, _ = create(pro_org, customer)
    services.ticket_set_status(ticket=ticket, actor=staff, status=Status.CLOSED)
    with pytest.raises(ValidationError, match="closed"):
        services.message_create(ticket=ticket, author=customer, body="hello?")
    assert not Message.objects.exists()


def test_only_staff_write_internal_notes(customer, pro_org, staff):
    ticket, _ = create(pro_org, customer)
    with pytest.raises(PermissionDenied):
        services.message_create(ticket=ticket, author=customer, body="x", is_internal=True)
    note = services.message_create(ticket=ticket, author=staff, body="check cache", is_internal=True)
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.NOTE_ADDED).data["message"] == note.pk


def test_empty_and_oversized_attachments_are_refused_and_nothing_is_stored(customer, pro_org, settings, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = 10
    ticket, _ = create(pro_org, customer)
    with pytest.raises(ValidationError, match="empty"):
        services.attachment_create(ticket=ticket, uploaded_by=customer, uploaded_file=SimpleUploadedFile("a.txt", b""))
    with pytest.raises(ValidationError, match="limited to"):
        services.attachment_create(ticket=ticket, uploaded_by=customer,
                                   uploaded_file=SimpleUploadedFile("a.txt", b"x" * 11))
    assert not Attachment.objects.exists()
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_attachment_is_stored_under_a_random_name_with_the_original_kept_for_display(customer, pro_org):
    ticket, _ = create(pro_org, customer)
    a = services.attachment_create(ticket=ticket, uploaded_by=customer,
                                   uploaded_file=SimpleUploadedFile("../../etc/passwd", b"root"))
    assert a.filename == "passwd" and "passwd" not in a.file.name and a.size == 4
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.ATTACHMENT_ADDED).data["filename"] == "passwd"


def test_event_log_is_append_only(customer, pro_org):
    ticket, _ = create(pro_org, customer)
    event = TicketEvent.objects.get(ticket=ticket)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        TicketEvent.objects.filter(ticket=ticket).update(kind="x")
    with pytest.raises(TypeError):
        TicketEvent.objects.filter(ticket=ticket).delete()


def test_staff_update_logs_changed_fields_only(customer, pro_org, staff):
    ticket, _ = create(pro_org, customer, environment="production")
    services.ticket_update(ticket=ticket, actor=staff, environment="staging", subject="API down")
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.UPDATED)
    assert event.data == {"changes": {"environment": ["production", "staging"]}}
    with pytest.raises(ValidationError):
        services.ticket_update(ticket=ticket, actor=staff, organization_id=1)
