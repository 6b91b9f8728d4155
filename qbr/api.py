"""POST /api/v1/usage/: the platform reports daily usage (staff, or a usage-only service token). Thin: the rules are
qbr.usage's."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import TokenScope
from common.fields import StrictCharField, StrictInput

from .models import UsageMetric
from .usage import UsageRejected, UsageRow, usage_import

MAX_ROWS = 10_000


class UsageRowSerializer(StrictInput, serializers.Serializer):
    organization = StrictCharField(max_length=40, help_text="The organisation's account id.")
    date = serializers.DateField(help_text="The UTC day, YYYY-MM-DD; not in the future.")
    metric = serializers.ChoiceField(choices=UsageMetric.choices)
    value = serializers.IntegerField(min_value=0, max_value=10 ** 15)


class UsageView(APIView):
    token_scopes = (TokenScope.USAGE,)  # the platform's service token (accounts.TokenScope)

    @extend_schema(
        operation_id="usage_create", summary="Report daily usage (staff or a usage token)",
        description="A list of rows; each (organisation, date, metric) is upserted, so sending a day again "
                    "replaces its figure. Every row is checked first (known account id of a Pro or Enterprise "
                    "organisation, a day not in the future): if any is wrong, nothing is written and the 400 "
                    "names each bad row. At most 10,000 rows a request. Rules: docs/usage.md.",
        request=UsageRowSerializer(many=True),
        responses={200: inline_serializer("UsageAccepted", {"rows": serializers.IntegerField()})})
    def post(self, request):
        if not (request.user.is_staff or getattr(request.auth, "scope", "") == TokenScope.USAGE):
            raise PermissionDenied("Usage is reported by Aragora's own systems (staff, or a usage token).")
        if not isinstance(request.data, list) or not request.data:
            raise ValidationError({"detail": "Send a non-empty JSON list of rows."})
        if len(request.data) > MAX_ROWS:
            raise ValidationError({"detail": f"At most {MAX_ROWS} rows a request."})
        problems, rows = [], []
        for n, item in enumerate(request.data, start=1):
            serializer = UsageRowSerializer(data=item)
            if serializer.is_valid():
                rows.append(UsageRow(**serializer.validated_data))
            else:
                errors = serializer.errors
                detail = errors if isinstance(errors, dict) else {"row": errors}
                problems.append(f"row {n}: " + "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in detail.items()))
        if problems:
            raise ValidationError({"rows": problems})
        try:
            count = usage_import(rows)
        except UsageRejected as exc:
            raise ValidationError({"rows": exc.problems}) from None
        return Response({"rows": count})
