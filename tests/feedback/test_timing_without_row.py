"""A ticket that has no TicketTiming row (resolved before timings were stored, or loaded in bulk,
as bench's seed_demo --tickets does) can still be reopened by a customer's reply: found by the
load test (issue 16), where such replies were a 500."""
import pytest

from feedback.models import TicketTiming
from tickets import services
from tickets.models import Status
from tests.factories import CustomerAdminFactory, OrganizationFactory, StaffFactory, tier

pytestmark = pytest.mark.django_db


def test_a_customer_reply_reopens_a_resolved_ticket_that_has_no_timing_row():
    org = OrganizationFactory(tier=tier("pro"))
    customer, engineer = CustomerAdminFactory(organization=org), StaffFactory()
    ticket, _ = services.ticket_create(organization=org, requester=customer, channel="portal", subject="Exports",
                                       description="Time out.", severity="P3")
    services.ticket_resolve(ticket=ticket, actor=engineer)
    TicketTiming.objects.filter(pk=ticket.pk).delete()  # as for a ticket from before timings

    services.message_create(ticket=ticket, author=customer, body="Still broken.")

    ticket.refresh_from_db()
    timing = TicketTiming.objects.get(pk=ticket.pk)
    assert ticket.status == Status.IN_PROGRESS
    assert (timing.reopen_count, timing.resolved_at) == (1, None)
