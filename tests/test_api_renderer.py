"""The API renders with orjson (common/renderers.py) and must write what DRF's encoder wrote."""
import datetime as dt
import json
import uuid
from decimal import Decimal

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from common.renderers import APIRenderer

PAYLOAD = {
    "uptime_percent": Decimal("98.6111"),
    "credit_percent": Decimal("25"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "label": gettext_lazy("Open"),
    "at": dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.timezone.utc),
    "day": dt.date(2026, 12, 1),
    "elapsed": dt.timedelta(minutes=90),
    "nested": [{"x": Decimal("0.5")}],
}


def test_a_raw_decimal_is_written_as_a_json_number_as_drf_wrote_it():
    body = json.loads(APIRenderer().render({"v": Decimal("98.6111")}))
    assert body == {"v": 98.6111}


def test_every_type_the_views_hand_the_renderer_comes_out_as_drfs_encoder_wrote_it():
    assert json.loads(APIRenderer().render(PAYLOAD)) == json.loads(JSONRenderer().render(PAYLOAD))
