"""Every API error is JSON with a readable `detail`; nothing leaks as a 500 page."""
import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, IntegrityError):
        # A unique or check constraint won a race the serializer could not see coming.
        logger.warning("API integrity error: %s", exc)
        return Response({"detail": "The request conflicts with the current state."}, status=status.HTTP_409_CONFLICT)
    return None
