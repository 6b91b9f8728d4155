"""A valid request the object's state refuses is a 409 Conflict, not a 400 Bad Request.

The services raise Django's ValidationError for both. One that names a field is about the
request (a 400 on that field); one that names none is about the object: a reply to a closed
ticket, an escalation at the top of its ladder, a transition the ticket's status forbids.
"""
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from rest_framework import exceptions, status


class Conflict(exceptions.APIException):
    """The request is valid but the object's state refuses it (a closed ticket takes no reply)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


@contextmanager
def state_conflicts():
    """Re-raise a service's field-less ValidationError as a 409 with its message."""
    try:
        yield
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise Conflict(" ".join(exc.messages)) from None
