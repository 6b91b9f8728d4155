"""The search index PostgreSQL keeps (migrations tickets 0009, 0011): tsvectors on the ticket row with GIN
indexes, current after any write whatever wrote it, used by the query, and applied after tenancy.
PostgreSQL only: the embedded SQLite has no tsvector (its LIKE fallback is tested with the rest)."""
import pytest
from django.db import connection

from tickets import search, selectors, services
from tickets.models import Message, Ticket
from tests.conftest import api_as
from tests.factories import CustomerAdminFactory, CustomerFactory, OrganizationFactory, StaffFactory, TicketFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="tsvector and GIN are PostgreSQL's"),
]


def found(user, q, **kwargs) -> list[int]:
    return list(search.ticket_search(selectors.tickets_visible_to(user), q, **kwargs).values_list("pk", flat=True))


def test_an_edited_subject_is_found_by_its_new_words_and_not_its_old(customer):
    ticket = TicketFactory(requester=customer, subject="Connector drops events")
    Ticket.objects.filter(pk=ticket.pk).update(subject="Webhook drops events")  # not through a service
    assert found(customer, "webhook") == [ticket.pk]
    assert found(customer, "connector") == []


def test_rows_written_in_bulk_are_searchable_without_any_code_indexing_them(customer, staff):
    ticket = TicketFactory(requester=customer, subject="Billing")
    Message.objects.bulk_create([Message(ticket=ticket, author=staff, body="the transcript export times out")])
    assert found(customer, "transcript") == [ticket.pk]


def test_a_description_past_the_indexed_length_still_saves_and_its_start_is_found(customer):
    huge = "latency " + " ".join(f"w{i}x" for i in range(40_000))  # ~250,000 characters
    ticket, _ = services.ticket_create(organization=customer.organization, requester=customer, subject="Long log",
                                       description=huge, severity="P3", channel="portal")
    assert Ticket.objects.get(pk=ticket.pk).description == huge  # nothing cut from what was written
    assert found(customer, "latency") == [ticket.pk]


def test_a_shared_word_finds_only_the_viewers_organisation_and_staff_find_both():
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    admin, other = CustomerAdminFactory(organization=mine), CustomerAdminFactory(organization=theirs)
    own = [TicketFactory(requester=admin, subject=f"Webhook retries {i}") for i in range(3)]
    foreign = [TicketFactory(requester=other, subject="Webhook webhook webhook retries") for _ in range(3)]
    assert sorted(found(admin, "webhook")) == sorted(t.pk for t in own)
    assert sorted(found(other, "webhook retries")) == sorted(t.pk for t in foreign)
    assert sorted(found(StaffFactory(), "webhook")) == sorted(t.pk for t in own + foreign)
    body = api_as(admin).get("/api/v1/tickets/?q=webhook&count=true").json()
    assert body["count"] == 3 and {row["id"] for row in body["results"]} == {t.pk for t in own}


def test_a_customers_reply_search_never_reads_an_internal_notes_index_entry(customer, staff):
    ticket = TicketFactory(requester=customer, subject="Billing")
    services.message_create(ticket=ticket, author=staff, body="customer is on the legacy kraken cluster", is_internal=True)
    assert found(customer, "kraken") == []
    assert found(staff, "kraken", include_internal_notes=True) == [ticket.pk]


@pytest.mark.parametrize("include_internal_notes, index", [(False, "ticket_search_public"), (True, "ticket_search_all")])
def test_the_search_reads_its_audiences_gin_index_not_every_row(customer, include_internal_notes, index):
    TicketFactory(requester=customer, subject="Webhook")
    sql, params = search.ticket_search(Ticket.objects.all(), "webhook retri",
                                       include_internal_notes=include_internal_notes).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: show the index can be used at all
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan and "tickets_message" not in plan, plan


def test_or_finds_either_word_and_every_other_query_still_takes_the_last_word_as_a_prefix(customer, staff):
    walrus = TicketFactory(requester=customer, subject="Walrus export")
    heron = TicketFactory(requester=customer, subject="Heron import")
    phrase = TicketFactory(requester=customer, subject="Gateway firmware", description="none")
    services.message_create(ticket=phrase, author=staff, body="the pelican firmware resets")
    assert sorted(found(customer, "walrus or heron")) == sorted([walrus.pk, heron.pk])
    assert found(customer, "walrus expo") == [walrus.pk]
    assert found(customer, "export -walrus") == []
    assert found(customer, '"gateway firmware" pelic') == [phrase.pk]
    assert found(customer, "gateway firmwa") == [phrase.pk]
