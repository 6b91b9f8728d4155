"""Issue 11 item 10: the ticket-list cache keys a page on an unambiguous encoding of the query,
so a value holding "&" and "=" never shares a page with the query it spells out."""
import pytest

from tests.conftest import api_as
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.TICKET_LIST_CACHE = True


def subjects(client, query):
    response = client.get(f"/api/v1/tickets/?{query}")
    assert response.status_code == 200
    return sorted(row["subject"] for row in response.json()["results"])


@pytest.mark.parametrize("first, second", [("note=1%26status%3Dresolved", "note=1&status=resolved"),
                                           ("note=1&status=resolved", "note=1%26status%3Dresolved")])
def test_an_escaped_ampersand_in_a_value_does_not_share_a_page_with_two_parameters(customer_admin, first, second):
    TicketFactory(requester=customer_admin, subject="open one", status="new")
    TicketFactory(requester=customer_admin, subject="done one", status="resolved")
    client = api_as(customer_admin)
    pages = {first: subjects(client, first), second: subjects(client, second)}
    assert pages["note=1%26status%3Dresolved"] == ["done one", "open one"]  # "note" is no filter
    assert pages["note=1&status=resolved"] == ["done one"]
