"""Issue 11 item 14: the API does what its OpenAPI schema says, and the schema says how it fails.

schemathesis checks the whole schema against a live server (test_api_schema_conformance.py);
these pin each rule it found, one by one."""
import pytest
from django.test import Client

from tickets.models import Message, Ticket
from tests.conftest import api_as
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/api/schema/?format=json").json()


def operation(schema, path, method):
    return schema["paths"][path][method]


def test_the_token_endpoint_is_documented_as_needing_no_credentials(schema):
    assert "security" not in operation(schema, "/api/v1/auth/token/", "post")
    assert "security" in operation(schema, "/api/v1/tickets/", "get")


def test_list_filters_are_documented_on_the_list_only(schema):
    def names(path, method="get"):
        return {p["name"] for p in operation(schema, path, method).get("parameters", [])}

    assert {"status", "severity", "organization", "page", "page_size"} <= names("/api/v1/tickets/")
    for path in ("/api/v1/tickets/{id}/messages/", "/api/v1/tickets/{id}/attachments/", "/api/v1/tickets/{id}/"):
        assert names(path) == {"id"}, path


@pytest.mark.parametrize("path, method, codes", [
    ("/api/v1/auth/token/", "post", {"400", "413", "415", "429"}),
    ("/api/v1/tickets/", "get", {"400", "401", "404"}),
    ("/api/v1/tickets/", "post", {"400", "401", "403", "409", "413", "415"}),
    ("/api/v1/tickets/{id}/", "patch", {"400", "401", "403", "404", "409", "413", "415"}),
    ("/api/v1/tickets/{id}/attachments/", "post", {"400", "401", "403", "404", "409", "413", "415"}),
    ("/api/v1/tickets/{id}/attachments/{attachment_id}/download/", "get", {"400", "401", "404"}),
])
def test_each_operation_documents_its_4xx_responses_with_the_error_shape(schema, path, method, codes):
    responses = operation(schema, path, method)["responses"]
    assert codes <= set(responses)
    for code in codes:
        ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
        assert ref == ("#/components/schemas/FieldErrors" if code == "400" else "#/components/schemas/Error")
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_page_and_page_size_are_documented_with_their_limits(schema):
    params = {p["name"]: p["schema"] for p in operation(schema, "/api/v1/tickets/", "get")["parameters"]}
    assert params["page"] == {"type": "integer", "minimum": 1, "maximum": 1_000_000}
    assert params["page_size"]["maximum"] == 200


def test_request_bodies_state_that_unknown_fields_are_refused(schema):
    schemas = schema["components"]["schemas"]
    for name in ("TicketCreateRequest", "PatchedTicketUpdateRequest", "MessageCreateRequest"):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["PatchedTicketUpdateRequest"]["minProperties"] == 1
    assert operation(schema, "/api/v1/tickets/{id}/", "patch")["requestBody"]["required"] is True


def test_an_unknown_field_is_a_400_naming_it_not_silently_dropped(staff, customer):
    ticket = TicketFactory(requester=customer, subject="kept")
    response = api_as(staff).patch(f"/api/v1/tickets/{ticket.pk}/", {"sujbect": "new"}, format="json")
    assert response.status_code == 400 and response.json() == {"sujbect": ["Unknown field."]}
    assert Ticket.objects.get(pk=ticket.pk).subject == "kept"


def test_an_empty_assignee_string_is_a_400_null_unassigns(staff, customer):
    ticket = TicketFactory(requester=customer, assignee=staff)
    client = api_as(staff)
    assert client.patch(f"/api/v1/tickets/{ticket.pk}/", {"assignee": ""}, format="json").status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).assignee == staff
    assert client.patch(f"/api/v1/tickets/{ticket.pk}/", {"assignee": None}, format="json").status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_a_reply_to_a_closed_ticket_is_a_409_the_tickets_state_refuses_it(customer):
    ticket = TicketFactory(requester=customer, status="closed")
    response = api_as(customer).post(f"/api/v1/tickets/{ticket.pk}/messages/", {"body": "hello?"}, format="json")
    assert response.status_code == 409 and "closed" in response.json()["detail"]
    assert not Message.objects.exists()


def test_an_api_address_that_matches_no_route_is_a_json_404(customer):
    for path in ("/api/v1/tickets/0.5/", "/api/v1/tickets/abc/messages/", "/api/v1/nothing/"):
        response = api_as(customer).get(path)
        assert response.status_code == 404 and response.json() == {"detail": "Not found."}, path
    assert b"Not found" in Client().get("/no-such-page/").content  # the portal keeps its page


def test_whitespace_only_text_is_documented_as_refused(schema):
    subject = schema["components"]["schemas"]["TicketCreateRequest"]["properties"]["subject"]
    assert subject["pattern"] == r"\S" and subject["minLength"] == 1


def test_list_filters_do_not_apply_to_a_tickets_own_routes(customer):
    ticket = TicketFactory(requester=customer, status="new")
    client = api_as(customer)
    for path in ("", "messages/", "attachments/"):
        response = client.get(f"/api/v1/tickets/{ticket.pk}/{path}?status=closed&severity=zzz")
        assert response.status_code == 200, (path, response.content)
    assert client.get("/api/v1/tickets/?severity=zzz").status_code == 400  # the list still checks them


@pytest.mark.parametrize("body", [{"subject": 0}, {"subject": True}, {"subject": ["a"]}, {"subject": None},
                                  {"affected_users": 5}, {"business_impact": 1.5}])
def test_a_patch_with_a_non_string_for_a_text_field_is_a_400(staff, customer, body):
    ticket = TicketFactory(requester=customer, subject="kept")
    response = api_as(staff).patch(f"/api/v1/tickets/{ticket.pk}/", body, format="json")
    assert response.status_code == 400 and set(response.json()) == set(body)
    assert Ticket.objects.get(pk=ticket.pk).subject == "kept"


@pytest.mark.parametrize("value", ["yes", 1, "true", None, "false"])
def test_is_internal_in_json_must_be_a_boolean(staff, customer, value):
    ticket = TicketFactory(requester=customer)
    response = api_as(staff).post(f"/api/v1/tickets/{ticket.pk}/messages/", {"body": "b", "is_internal": value},
                                  format="json")
    assert response.status_code == 400 and "is_internal" in response.json()
