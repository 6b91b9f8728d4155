"""The API's JSON renderer: orjson's speed with the types DRF's own encoder wrote.

drf-orjson-renderer's fallback writes a Decimal as a string (when COERCE_DECIMAL_TO_STRING, the
default, which DRF applies only to serializer fields) and anything it does not know as null.
DRF's JSONEncoder writes a raw Decimal as a number and raises on what it cannot write; the API
was built on that contract (the uptime endpoint's percentages are numbers), so the types orjson
does not know natively go to DRF's encoder.
"""
from rest_framework.utils.encoders import JSONEncoder
from drf_orjson_renderer.renderers import ORJSONRenderer

_drf = JSONEncoder()


class APIRenderer(ORJSONRenderer):
    @staticmethod
    def default(obj):
        return _drf.default(obj)
