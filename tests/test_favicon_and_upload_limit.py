"""Small things a new user looks for (issue 12.11): a favicon on every page, and the attachment
size limit next to every file field."""
import pytest
from django.urls import reverse

from tests.conftest import login
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_favicon_is_linked_from_every_portal_page_and_served(client):
    page = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in page and 'href="/static/favicon.svg" type="image/svg+xml"' in page
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico["Content-Type"] == "image/x-icon"
    assert b"".join(ico.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in b"".join(svg.streaming_content)


def test_new_ticket_form_shows_the_attachment_limit_next_to_the_file_field(client, customer, settings):
    page = login(client, customer).get(reverse("portal:ticket_new")).content.decode()
    assert 'id="id_attachment_helptext">Optional: a log, screenshot or HAR file. Up to 25 MB.</p>' in page
    assert 'aria-describedby="id_attachment_helptext"' in page
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    assert "Up to 10 MB." in client.get(reverse("portal:ticket_new")).content.decode()


def test_reply_form_shows_the_attachment_limit_next_to_the_file_field(client, customer, settings):
    settings.ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024 // 2
    ticket = TicketFactory(requester=customer)
    page = login(client, customer).get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
    assert 'id="id_attachment_helptext">Optional. Up to 2.5 MB.</p>' in page
