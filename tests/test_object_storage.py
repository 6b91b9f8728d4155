"""Attachments and rendered PDFs in an S3 bucket (django-storages), against a real S3 API server on
loopback (moto's server mode): uploaded through the API, stored under their private keys with a
private ACL, and read back only through the views that check who may have them."""
import datetime as dt
import re
import urllib.error
import urllib.request
import uuid

import boto3
import environ
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from aragora_support.object_storage import s3_storage
from qbr import documents, monthly
from qbr.models import RenderedReport, ReportKind
from tests.conftest import api_as, login
from tests.factories import CustomerAdminFactory, CustomerFactory, OrganizationFactory, TicketFactory, tier

pytestmark = pytest.mark.django_db
KEYS = {"AWS_S3_ACCESS_KEY_ID": "testing", "AWS_S3_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # a free port
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A new bucket, and the default storage pointed at it as settings.py does from the environment."""
    name = f"aragora-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=name)
    for key, value in {**KEYS, "AWS_STORAGE_BUCKET_NAME": name, "AWS_S3_ENDPOINT_URL": s3_endpoint,
                       "AWS_S3_REGION_NAME": "us-east-1", "AWS_S3_ADDRESSING_STYLE": "path"}.items():
        monkeypatch.setenv(key, value)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(environ.Env())}
    return client, name


def objects(bucket) -> dict[str, bytes]:
    client, name = bucket
    listed = client.list_objects_v2(Bucket=name).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=name, Key=o["Key"])["Body"].read() for o in listed}


def anonymous_get(s3_endpoint, bucket, key) -> int:
    """A plain GET of the object's URL, with no signature: what anyone who guessed it would get."""
    try:
        with urllib.request.urlopen(f"{s3_endpoint}/{bucket[1]}/{key}", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def no_local_files(settings) -> bool:
    return not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] if settings.MEDIA_ROOT.exists() else True


def test_an_attachment_uploaded_through_the_api_is_stored_privately_in_the_bucket_and_served_by_the_checked_view(
        bucket, s3_endpoint, customer, settings):
    ticket = TicketFactory(requester=customer)
    client = api_as(customer)
    body = b"\x00\x01 stack trace <script>alert(1)</script>\n" * 100
    response = client.post(f"/api/v1/tickets/{ticket.pk}/attachments/",
                           {"file": SimpleUploadedFile("trace.html", body, content_type="text/html")}, format="multipart")
    assert response.status_code == 201, response.content

    stored = objects(bucket)
    [key] = stored
    assert re.fullmatch(rf"attachments/{ticket.pk}/[0-9a-f]{{32}}", key)  # never the customer's file name
    assert stored[key] == body
    assert no_local_files(settings)
    assert anonymous_get(s3_endpoint, bucket, key) == 403

    download = client.get(response.json()["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == body
    assert download["Content-Disposition"].startswith("attachment;") and "trace.html" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/octet-stream"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    assert int(download["Content-Length"]) == len(body)

    stranger = CustomerFactory(organization=OrganizationFactory(tier=tier("pro")))
    assert api_as(stranger).get(response.json()["download_url"]).status_code == 404


def test_a_rendered_usage_report_is_stored_privately_in_the_bucket_and_served_to_its_customer_admin_only(
        bucket, s3_endpoint, client, settings):
    org = OrganizationFactory(name="Acme Rockets", tier=tier("enterprise"))
    type(org).objects.filter(pk=org.pk).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
    monthly.usage_reports_due()
    document = RenderedReport.objects.get(kind=ReportKind.USAGE, organization=org)
    assert documents.document_render(document.pk) == "rendered"
    document.refresh_from_db()

    stored = objects(bucket)
    [key] = stored
    assert key == document.file.name and key.startswith("reports/") and key.endswith(".pdf")
    assert stored[key].startswith(b"%PDF-")
    assert no_local_files(settings)
    assert anonymous_get(s3_endpoint, bucket, key) == 403

    url = f"/reports/usage/{org.account_id}/{document.period}.pdf"
    response = login(client, CustomerAdminFactory(organization=org)).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored[key]
    assert response["Content-Type"] == "application/pdf" and response["ETag"] == f'"{document.checksum}"'
    other = CustomerAdminFactory(organization=OrganizationFactory(tier=tier("enterprise")))
    assert login(client, other).get(url).status_code == 404


def test_without_a_bucket_files_stay_on_the_local_filesystem(settings, customer):
    # settings.py's default: `make run` needs no server of any kind.
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(f"/api/v1/tickets/{ticket.pk}/attachments/",
                                     {"file": SimpleUploadedFile("a.log", b"x", content_type="text/plain")},
                                     format="multipart")
    assert response.status_code == 201
    assert not no_local_files(settings)
