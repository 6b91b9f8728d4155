"""The generational ticket-list cache never shows a list older than the last committed change."""
import pytest
from django.core.cache import cache

from tickets import list_cache, services
from tests.conftest import api_as
from tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.TICKET_LIST_CACHE = True


def subjects(client):
    return [row["subject"] for row in client.get("/api/v1/tickets/").json()["results"]]


def test_second_read_of_a_page_is_served_from_the_cache_without_queries(customer_admin, django_assert_num_queries):
    TicketFactory(requester=customer_admin, subject="one")
    client = api_as(customer_admin)
    assert subjects(client) == ["one"]
    with django_assert_num_queries(0):
        assert subjects(client) == ["one"]


def test_a_new_ticket_shows_at_once_in_its_organisations_and_staffs_lists(customer_admin, staff):
    admin, engineer = api_as(customer_admin), api_as(staff)
    assert subjects(admin) == [] and subjects(engineer) == []
    services.ticket_create(organization=customer_admin.organization, requester=customer_admin, subject="new",
                           description="x", severity="P2", channel="api")
    assert subjects(admin) == ["new"] and subjects(engineer) == ["new"]


def test_a_status_change_by_staff_shows_at_once(customer_admin, staff):
    ticket, _ = services.ticket_create(organization=customer_admin.organization, requester=customer_admin,
                                       subject="s", description="x", severity="P2", channel="api")
    client = api_as(customer_admin)
    assert client.get("/api/v1/tickets/").json()["results"][0]["status"] == "new"
    services.ticket_resolve(ticket=ticket, actor=staff)
    assert client.get("/api/v1/tickets/").json()["results"][0]["status"] == "resolved"


def test_another_organisations_change_does_not_evict_this_ones_pages(customer_admin, outsider,
                                                                    django_assert_num_queries):
    TicketFactory(requester=customer_admin, subject="mine")
    client = api_as(customer_admin)
    subjects(client)
    services.ticket_create(organization=outsider.organization, requester=outsider, subject="theirs",
                           description="x", severity="P2", channel="api")
    with django_assert_num_queries(0):
        assert subjects(client) == ["mine"]


def test_members_and_admins_of_one_organisation_get_their_own_pages(customer_admin, customer):
    TicketFactory(requester=customer_admin, subject="admin's")
    TicketFactory(requester=customer, subject="member's")
    assert set(subjects(api_as(customer_admin))) == {"admin's", "member's"}
    assert subjects(api_as(customer)) == ["member's"]
    assert subjects(api_as(CustomerFactory(organization=customer.organization))) == []


def test_a_rolled_back_change_leaves_the_generation_alone(customer_admin):
    from django.db import transaction

    TicketFactory(requester=customer_admin, subject="kept")
    client = api_as(customer_admin)
    subjects(client)
    key = list_cache._org_key(customer_admin.organization_id)  # the organisation's generation
    generation = cache.get(key)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.ticket_create(organization=customer_admin.organization, requester=customer_admin,
                               subject="gone", description="x", severity="P2", channel="api")
        raise RuntimeError("abort")
    assert cache.get(key) == generation and subjects(client) == ["kept"]
