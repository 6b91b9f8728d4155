"""The published schema also says how each operation fails, with the errors' JSON shape.

drf-spectacular documents only success responses. Which errors an operation can answer follows
from what it is, so they are added here for every operation rather than view by view:

| status | when | documented on |
| --- | --- | --- |
| 400 | a parameter or field is invalid, the body is malformed, or holds NUL | every operation |
| 401 | no or bad credentials | operations that need them |
| 403 | the role may not do this, or a session's CSRF token is missing | authenticated writes |
| 404 | the object is not visible to the caller, or the page is past the last | detail routes, paged lists |
| 409 | the object's state refuses it (common.conflicts), or a concurrent write won | operations with a body |
| 413 | the body is over its limit (aragora_support.request_guard) | operations with a body |
| 415 | the body is not JSON, a form or multipart | operations with a body |
| 429 | throttled | throttled views |
"""
from django.db import DatabaseError
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

from common.fields import StrictCharField, StrictInput, StrictSlugRelatedField

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for a person to read."}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Each invalid field (or query parameter, or `detail` for the request as a whole) "
                   "with what is wrong with it.",
    "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class AutoSchema(SpectacularAutoSchema):
    # What common.fields enforces is stated in the schema too.
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictInput):
            schema["additionalProperties"] = False
            if serializer.min_fields:
                schema["minProperties"] = serializer.min_fields
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, StrictCharField) and field.trim_whitespace and not field.allow_blank:
            schema["pattern"] = r"\S"  # all whitespace is trimmed to blank, and refused
        if isinstance(field, StrictSlugRelatedField):
            schema["maxLength"] = field.max_length
            if field.list_in_schema and direction == "request":
                try:
                    values = list(field.get_queryset().order_by(field.slug_field).values_list(field.slug_field,
                                                                                             flat=True))
                except DatabaseError:
                    # Without a database (check --deploy on a build host) the schema names no values;
                    # the served schema, made by a running portal, always does.
                    values = None
                if values is not None:
                    schema["enum"] = values + ([None] if field.allow_null else [])
        return schema

    def _component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref

    def _error_codes(self, operation: dict) -> dict[str, str]:
        security = operation.get("security") or []
        needs_auth = bool(security) and {} not in security
        parameters = {p["name"] for p in operation.get("parameters", [])}
        has_body = "requestBody" in operation
        codes = {"400": "The request is malformed: the message names the parameter or field."}
        if needs_auth:
            codes["401"] = "No credentials, or credentials that are not valid (or expired)."
            if self.method not in SAFE_METHODS:
                codes["403"] = "Not allowed for this account (or a session request without its CSRF token)."
        if "{" in self.path or "page" in parameters:
            codes["404"] = "Not found: no such object visible to this account, or a page past the last."
        if has_body:
            codes["409"] = ("The object's state refuses this (a closed ticket takes no reply), or a "
                            "concurrent write won.")
            codes["413"] = "The body is larger than this operation accepts; the message names the limit."
            codes["415"] = "The body's media type is not one this operation reads."
        if getattr(self.view, "throttle_classes", None):
            codes["429"] = "Too many requests: retry after the number of seconds in Retry-After."
        return codes

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        serializer = self.get_request_serializer() if "requestBody" in operation else None
        if getattr(serializer, "min_fields", 0):
            operation["requestBody"]["required"] = True  # an empty update is refused, so is none
        responses = operation.setdefault("responses", {})
        for code, description in self._error_codes(operation).items():
            schema = self._component("FieldErrors", FIELD_ERRORS) if code == "400" else self._component("Error", ERROR)
            responses.setdefault(code, {"content": {"application/json": {"schema": schema}},
                                        "description": description})
        return operation
