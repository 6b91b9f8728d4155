"""allauth's SAML provider, plus the replay check python3-saml leaves to its caller.

Named in SOCIALACCOUNT_PROVIDERS["saml"]["provider_class"]; its URLs and views stay allauth's."""
from __future__ import annotations

from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.core.exceptions import ImproperlyConfigured

from .refusal import refuse
from .services import saml_assertion_use


class OrgSAMLProvider(SAMLProvider):
    package = "allauth.socialaccount.providers.saml"  # allauth's urls.py and views

    def sociallogin_from_response(self, request, response):
        # Called by allauth's ACS view only once the response's signature, audience, destination
        # and validity window were checked: an assertion id seen before is a replay (a captured
        # IdP-initiated response has no InResponseTo to tie it to one browser's session).
        if not saml_assertion_use(provider_id=self.app.provider_id or self.app.client_id,
                                  assertion_id=response.get_last_assertion_id(),
                                  not_on_or_after=response.get_last_assertion_not_on_or_after()):
            refuse(request, "This sign-in assertion was already used. Start again from your identity provider.")
        try:
            return super().sociallogin_from_response(request, response)
        except (ValueError, ImproperlyConfigured):  # no NameID / uid, or one longer than allauth stores
            refuse(request, "Your identity provider sent no usable user id (NameID).", status=400)


provider_classes = [OrgSAMLProvider]
