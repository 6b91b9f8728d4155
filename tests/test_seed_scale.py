"""Scale data (seed_demo --orgs/--tickets, demo/scale.py): counts, tenancy, threads and events,
indexes and foreign keys back after the load, search vectors filled, sequences past the ids."""
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import Client

from accounts.models import Organization, User
from demo import scale
from tickets import list_cache, search, services
from tickets.models import EventKind, Message, Status, Ticket, TicketEvent

# The PostgreSQL load commits on connections of its own: the test cannot hold a transaction open.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY path: PostgreSQL only")


def seed(orgs=5, tickets=200):
    call_command("seed_demo", orgs=orgs, tickets=tickets, stdout=open("/dev/null", "w"))
    return Organization.objects.filter(name__startswith="Scale Org ")


def _schema():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                       [list(scale.BULK_TABLES)])
        indexes = dict(cursor.fetchall())
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid::regclass::text = ANY(%s)", [list(scale.BULK_TABLES)])
        return indexes, dict(cursor.fetchall())


def test_a_small_run_makes_the_organisations_people_and_tickets_asked_for():
    orgs = seed(orgs=5, tickets=200)
    assert orgs.count() == 5
    assert User.objects.filter(organization__in=orgs).count() == 10  # one admin, one member each
    assert set(User.objects.filter(organization__in=orgs).values_list("customer_role", flat=True)) == {"admin", "member"}
    tickets = Ticket.objects.filter(organization__in=orgs)
    assert tickets.count() == 200
    messages = Message.objects.filter(ticket__in=tickets).count()
    assert 2 * 200 <= messages <= 4 * 200  # about three a ticket
    assert Message.objects.filter(ticket__in=tickets, is_internal=True).exists()
    assert TicketEvent.objects.filter(ticket__in=tickets, kind=EventKind.CREATED).count() == 200
    statuses = set(tickets.values_list("status", flat=True))
    assert statuses <= set(Status.values) and len(statuses) >= 5  # all six at scale; 200 may miss a rare one


def test_every_ticket_belongs_to_an_organisation_whose_people_include_its_requester():
    orgs = seed()
    tickets = Ticket.objects.filter(organization__in=orgs)
    assert tickets.exists()
    for ticket in tickets.select_related("requester"):
        assert ticket.requester.organization_id == ticket.organization_id
    # Replies are by the ticket's own organisation's people or by staff, never another customer.
    strangers = Message.objects.filter(ticket__in=tickets, author__is_staff=False).exclude(
        author__organization_id=F("ticket__organization_id"))
    assert not strangers.exists()
    assert not Ticket.objects.filter(organization__in=orgs, assignee__is_staff=False).exists()


def test_messages_and_events_reference_existing_tickets_and_messages():
    seed()
    assert not Message.objects.exclude(ticket_id__in=Ticket.objects.values("pk")).exists()
    assert not TicketEvent.objects.exclude(ticket_id__in=Ticket.objects.values("pk")).exists()
    replied = TicketEvent.objects.filter(kind__in=[EventKind.REPLIED, EventKind.NOTE_ADDED])
    assert replied.count() == Message.objects.count()
    for event in replied.select_related("ticket")[:50]:
        assert Message.objects.get(pk=event.data["message"]).ticket_id == event.ticket_id


def test_open_tickets_have_running_clocks_and_done_ones_their_stop_times():
    orgs = seed(tickets=400)
    tickets = Ticket.objects.filter(organization__in=orgs)
    assert not tickets.filter(status__in=["resolved", "closed"], resolved_at__isnull=True).exists()
    assert not tickets.filter(status__in=["resolved", "closed"], first_response_at__isnull=True).exists()
    assert not tickets.filter(status__in=["new", "acknowledged", "in_progress"], response_due_at__isnull=True).exists()
    assert tickets.filter(response_breached_at__isnull=False).exists()
    assert not tickets.filter(sla_next_check_at__isnull=False).exists()  # the sweep finds nothing to do
    assert set(tickets.values_list("escalation_level", flat=True)) <= {1, 2, 3, 4}
    assert 0.3 < tickets.filter(assignee__isnull=False).count() / tickets.count() < 0.7


@postgres_only
def test_indexes_and_foreign_keys_are_all_back_after_the_load():
    before = _schema()
    assert before[0] and before[1]
    seed()
    assert _schema() == before


@postgres_only
def test_a_failed_load_removes_its_rows_and_still_restores_the_indexes(monkeypatch):
    before = _schema()
    tickets_before = Ticket.objects.count()

    def broken(plan, part=0, parts=1):
        yield from ()
        raise RuntimeError("generator broke")

    monkeypatch.setattr(scale, "ticket_chunks", broken)
    with pytest.raises(RuntimeError):
        seed()
    assert _schema() == before
    assert Ticket.objects.count() == tickets_before
    assert not Organization.objects.filter(name__startswith="Scale Org ").exists()


@postgres_only
def test_the_search_vectors_are_filled_so_a_common_word_finds_tickets():
    orgs = seed(tickets=300)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket WHERE search_text IS NULL OR search_text = ''")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM tickets_message WHERE search IS NULL")
        assert cursor.fetchone()[0] == 0
    found = search.ticket_search(Ticket.objects.filter(organization__in=orgs), "error").count()
    assert 0 < found < 300  # common, not everywhere
    assert search.matching_ids("error").count() >= found
    _assert_thread_vectors_are_the_triggers(orgs)


def _assert_thread_vectors_are_the_triggers(orgs):
    """Every seeded ticket's replies and notes vectors are what the trigger's recompute gives
    (migration tickets 0011), and threads are searchable: a public reply's word finds its ticket."""
    tickets = Ticket.objects.filter(organization__in=orgs)
    low, high = min(tickets.values_list("pk", flat=True)), max(tickets.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE t.search_replies <> '') FROM tickets_ticket t "
            "LEFT JOIN tickets_thread_vectors(%s, %s, 0, 9223372036854775807) v ON v.ticket_id = t.id "
            "WHERE t.id BETWEEN %s AND %s AND (t.search_replies IS DISTINCT FROM coalesce(v.replies, '') "
            "OR t.search_notes IS DISTINCT FROM coalesce(v.notes, ''))", [low, high, low, high])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM tickets_ticket WHERE id BETWEEN %s AND %s AND search_replies <> '' "
                       "AND search_notes <> ''", [low, high])
        assert cursor.fetchone()[0] > 0
    reply = Message.objects.filter(ticket__in=tickets, is_internal=False).exclude(author__is_staff=False).first()
    word = max(reply.body.split(), key=len).strip(".,")
    assert reply.ticket_id in set(search.ticket_search(tickets, word).values_list("pk", flat=True))


def test_sequences_are_past_the_loaded_ids_so_normal_writes_work():
    orgs = seed()
    org = orgs.first()
    requester = User.objects.filter(organization=org).first()
    highest = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
    ticket, _ = services.ticket_create(organization=org, requester=requester, subject="After the seed",
                                       description="works", severity="P3", channel="portal")
    assert ticket.pk > highest
    message = services.message_create(ticket=ticket, author=requester, body="and a reply")
    assert message.pk > Message.objects.exclude(pk=message.pk).order_by("-pk").values_list("pk", flat=True).first()
    assert Organization.objects.create(name="Later", tier=org.tier).pk > org.pk
    staff = User.objects.filter(is_staff=True).first()
    assert staff is not None  # engineers to assign to exist (made by the seed on an empty database)


def test_an_escalated_ticket_has_the_history_of_each_step_up_its_ladder():
    from tickets.serializers import escalation_history

    orgs = seed(tickets=400)
    escalated = Ticket.objects.filter(organization__in=orgs, escalation_level__gt=1).select_related("organization__tier")
    assert escalated.exists()
    for ticket in escalated[:30]:
        history = escalation_history([ticket.pk])[ticket.pk]
        assert [step["level"] for step in history] == list(range(2, ticket.escalation_level + 1))
        titles = dict(ticket.organization.tier.escalation_levels.values_list("number", "title"))
        assert all(step["title"] == titles[step["level"]] and step["trigger"] == "elapsed" for step in history)
    not_escalated = Ticket.objects.filter(organization__in=orgs, escalation_level=1)
    assert not TicketEvent.objects.filter(ticket__in=not_escalated, kind=EventKind.ESCALATED).exists()


def test_the_ticket_page_renders_a_seeded_timeline():
    orgs = seed()
    ticket = (Ticket.objects.filter(organization__in=orgs, status="closed").select_related("requester").first()
              or Ticket.objects.filter(organization__in=orgs).select_related("requester").first())
    client = Client()
    client.force_login(ticket.requester)
    response = client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    assert ticket.subject.encode() in response.content or ticket.subject[:20].encode() in response.content


def test_invalidate_many_makes_every_listed_organisations_cached_pages_stale(settings):
    from django.core.cache import cache

    settings.TICKET_LIST_CACHE = True
    cache.set(list_cache._org_key(1), 5, None)
    cache.set(list_cache._org_key(2), 7, None)
    cache.set(list_cache._org_key(3), 9, None)
    cache.set(list_cache.ALL, 11, None)
    list_cache.invalidate_many([1, 2], chunk=1)
    assert cache.get(list_cache._org_key(1)) is None and cache.get(list_cache._org_key(2)) is None
    assert cache.get(list_cache._org_key(3)) == 9  # not listed: untouched
    assert cache.get(list_cache.ALL) == 12


def test_the_portable_path_loads_the_same_shape_of_data():
    # SQLite's path (the embedded demo), run on whatever database the suite has: CI's PostgreSQL too.
    before = set(Organization.objects.values_list("pk", flat=True))
    scale.seed_scale(3, 100, out=lambda *_: None, portable=True)
    orgs = Organization.objects.exclude(pk__in=before)
    assert orgs.count() == 3
    assert Ticket.objects.filter(organization__in=orgs).count() == 100
    ticket = Ticket.objects.filter(organization__in=orgs, status="closed").first()
    assert ticket.resolved_at and ticket.resolved_at >= ticket.created_at
    assert "\\n" not in ticket.description and "\n" in ticket.description
    assert isinstance(TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED).get().data, dict)
    if connection.vendor == "postgresql":  # row by row: the trigger wrote the vectors
        _assert_thread_vectors_are_the_triggers(orgs)
