"""Issue 11 item 11: a body over its limit is refused with a 413 naming the limit before any of it
is read (on its Content-Length), on the attachment endpoints, the portal forms that take files and
every other view; Django's own RequestDataTooBig is a clean 413, never a 500."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import multipartparser
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from tickets.models import Attachment, Message, Ticket
from tests.conftest import api_as, login
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def body_never_parsed(monkeypatch):
    """Fails the test if anything starts parsing a multipart body."""
    def parse(self):
        raise AssertionError("the multipart body was read")

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", parse)


def upload_targets(customer):
    ticket = TicketFactory(requester=customer)
    return [(api_as(customer), f"/api/v1/tickets/{ticket.pk}/attachments/"),
            (login(Client(), customer), "/tickets/new/"), (login(Client(), customer), f"/tickets/{ticket.pk}/")]


def test_a_fake_60_mb_content_length_is_refused_with_413_before_the_body_is_read(customer, body_never_parsed):
    for client, url in upload_targets(customer):
        body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("a.log", b"x"), "body": "hi"})
        response = client.generic("POST", url, body, content_type=MULTIPART_CONTENT, CONTENT_LENGTH=str(60 * MB))
        assert response.status_code == 413, url
        assert b"The request is 60 MB; attachments are limited to 25 MB." in response.content
    assert not Attachment.objects.exists() and not Message.objects.exists()


def test_a_real_60_mb_upload_to_the_api_is_refused_with_413_naming_the_limit(customer):
    client, url = upload_targets(customer)[0]
    response = client.post(url, {"file": SimpleUploadedFile("big.bin", b"\0" * (60 * MB))}, format="multipart")
    assert response.status_code == 413 and response.json()["detail"].endswith("attachments are limited to 25 MB.")
    assert not Attachment.objects.exists()


def test_an_upload_just_over_the_limit_gets_the_services_message(settings, customer):
    settings.ATTACHMENT_MAX_BYTES = MB
    client, url = upload_targets(customer)[0]
    response = client.post(url, {"file": SimpleUploadedFile("big.bin", b"x" * (MB + 1))}, format="multipart")
    assert response.status_code == 400 and "limited to 1 MB" in response.json()["file"][0]


def test_uploads_larger_than_the_field_limit_still_reach_every_upload_view(customer):
    three_mb = b"x" * (3 * MB)  # over DATA_UPLOAD_MAX_MEMORY_SIZE (2 MB), under the 25 MB attachment limit
    (api, api_url), (portal, new_url), (_, reply_url) = upload_targets(customer)
    assert api.post(api_url, {"file": SimpleUploadedFile("a.bin", three_mb)}, format="multipart").status_code == 201
    response = portal.post(new_url, {"subject": "s", "description": "d", "severity": "P3",
                                     "environment": "production", "attachment": SimpleUploadedFile("b.bin", three_mb)})
    assert response.status_code == 302
    response = portal.post(reply_url, {"body": "see", "attachment": SimpleUploadedFile("c.bin", three_mb)})
    assert response.status_code == 302
    assert Attachment.objects.count() == 3


def test_a_json_body_over_the_field_limit_is_refused_with_413(customer):
    body = json.dumps({"subject": "s", "description": "x" * (3 * MB), "severity": "P3"})
    response = api_as(customer).post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 413 and response.json()["detail"] == (
        "The request is 3.0 MB; at most 2 MB is accepted here.")
    assert not Ticket.objects.exists()


def test_a_fake_large_content_length_on_a_view_that_takes_no_files_is_refused_unread(customer):
    response = api_as(customer).generic("POST", "/api/v1/tickets/", b"{}", content_type="application/json",
                                        CONTENT_LENGTH=str(60 * MB))
    assert response.status_code == 413 and "at most 2 MB" in response.json()["detail"]
    response = Client().generic("POST", "/accounts/login/", b"", CONTENT_LENGTH=str(60 * MB),
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and b"at most 2 MB is accepted here" in response.content


def test_form_fields_over_their_limit_inside_an_upload_are_a_413_not_a_500(settings, customer):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    _, (portal, url), _ = upload_targets(customer)
    response = portal.post(url, {"subject": "s", "description": "x" * (100 * 1024), "severity": "P3",
                                 "environment": "production", "attachment": SimpleUploadedFile("a.log", b"x")})
    assert response.status_code == 413 and b"The form fields are over 64 KB" in response.content
    assert Ticket.objects.count() == 1  # upload_targets' own


@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_a_content_length_that_is_no_byte_count_is_a_400(customer, length):
    response = api_as(customer).generic("POST", "/api/v1/tickets/", b"{}", content_type="application/json",
                                        CONTENT_LENGTH=length)
    assert response.status_code == 400 and "Content-Length" in response.json()["detail"]
