"""Serializers and fields that take only what their schema says.

DRF's CharField turns a number into text ({"subject": 0} saved "0"), its BooleanField takes
"yes" or 1 from JSON, and a serializer drops fields it does not know ({"sujbect": "x"} changed
nothing, silently): a client bug then passes unnoticed, and the published schema is not what the
API does. (The API reads JSON: REST_FRAMEWORK's parsers in settings; uploads are multipart.)
aragora_support.openapi publishes these rules (additionalProperties, minProperties, enum).
"""
from collections.abc import Mapping

from rest_framework import serializers


class StrictInput:
    # Serializer mixin: a field the serializer does not declare is a 400 naming it. (A comment,
    # not a docstring: drf-spectacular would show a docstring as each serializer's description.)

    min_fields = 0  # published as minProperties; the view says what is missing
    ignored = frozenset({"csrfmiddlewaretoken"})  # a session's form post carries it

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields) - self.ignored)
            if unknown:
                raise serializers.ValidationError({key[:100]: ["Unknown field."] for key in unknown[:20]})
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugRelatedField(serializers.SlugRelatedField):
    """A slug is text of at most `max_length` characters without NUL, checked before any query
    (PostgreSQL refuses NUL in a lookup; a list or an object is no slug)."""

    default_error_messages = {"invalid": "Must be a name (text), or null.",
                              "max_length": "At most {max_length} characters."}

    def __init__(self, *, max_length=150, list_in_schema=False, **kwargs):
        self.max_length = max_length
        self.list_in_schema = list_in_schema  # the schema enumerates the slugs (a short, public list)
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        if data == "":  # DRF reads "" as null for a relation; here null is said as null
            self.fail("invalid")
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        if len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
