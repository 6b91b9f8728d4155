"""POST /api/v1/auth/token/: username + password → a new API token (thin; accounts.services)."""
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.client_ip import client_ip

from . import services, two_factor
from .lockout import lockout_response, username_key
from .sso.selectors import sso_required_for

DEFAULT_NAME = "API (POST /api/v1/auth/token/)"


class TokenRequest(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Username or email address.")
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, help_text=f"Shown on the profile page; default “{DEFAULT_NAME}”.")
    code = serializers.CharField(
        max_length=32, required=False,
        help_text="For an account with two-factor authentication: the current code of its authenticator app, "
                  "or one of its recovery codes (used up).")


class TokenCreated(serializers.Serializer):
    token = serializers.CharField(help_text="The key: send it as `Authorization: Token <key>`. Shown only now.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ClientAddressThrottle(ScopedRateThrottle):
    """Keyed on the client's address as our proxies saw it, never on a header the client wrote."""

    def get_ident(self, request):
        return client_ip(request)


class TokenView(APIView):
    """Each call makes a new token (the key is stored only as a hash, so an old one cannot be
    shown again); revoke tokens on the profile page. Throttled per client address, and locked
    per username + address after repeated failures (django-axes: 429 with Retry-After)."""

    authentication_classes = []  # credentials are in the body; a session must not make this CSRF-bound
    permission_classes = [AllowAny]
    throttle_classes = [ClientAddressThrottle]
    throttle_scope = "auth-token"

    # The error responses (400: wrong credentials or too many tokens; 429: throttled or locked
    # out, with Retry-After) and their shapes are added for every operation by aragora_support.openapi.
    @extend_schema(request=TokenRequest, responses={200: TokenCreated}, auth=[])
    def post(self, request):
        data = TokenRequest(data=request.data)
        data.is_valid(raise_exception=True)
        credentials = {"username": data.validated_data["username"], "password": data.validated_data["password"]}
        # The Django request, not DRF's wrapper: axes marks it, and its middleware reads the mark.
        http_request = request._request
        user = authenticate(request=http_request, **credentials)
        if user is None:
            if getattr(http_request, "axes_locked_out", False):
                return lockout_response(http_request, credentials=credentials)
            raise ValidationError({"non_field_errors": ["Unable to log in with provided credentials."]})
        if sso_required_for(user) is not None:  # a password is no way in for them (docs/security.md)
            raise ValidationError({"non_field_errors": [
                "Your organisation signs in with single sign-on only: make a token on your profile page "
                "after signing in with SSO."]})
        # A password alone would be a way around the second factor (docs/security.md, "Two-factor"):
        # an account with one gives its code too, and one that must have one and has none enrols first.
        if two_factor.has_second_factor(user):
            code = data.validated_data.get("code", "")
            if not code:
                raise ValidationError({"code": [
                    "This account uses two-factor authentication: give the current code of its authenticator "
                    "app (or a recovery code) as `code`, or create a token on your profile page."]})
            if not two_factor.code_is_valid(user, code):
                # Counted by django-axes with the passwords: no unlimited guesses at a 6-digit code.
                user_login_failed.send(sender=type(self), credentials={"username": credentials["username"]},
                                       request=http_request)
                raise ValidationError({"code": ["Wrong code, or a code already used."]})
        elif two_factor.second_factor_required(user):
            raise ValidationError({"non_field_errors": [
                "This account must set up two-factor authentication first: sign in to the portal "
                "(/accounts/login/), which walks you through it."]})
        address = getattr(http_request, "axes_ip_address", None)
        if settings.AXES_ENABLED and settings.AXES_RESET_ON_SUCCESS and address:
            # As a portal login does (axes' user_logged_in): this person's count from here starts over.
            axes_reset(ip=address, username=username_key(http_request, credentials))
        token, key = services.api_token_create(user=user, name=data.validated_data.get("name") or DEFAULT_NAME)
        return Response({"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at})
