from lxml import etree

from .refusal import refusal_response


class SamlHostMiddleware:
    """allauth's SAML views read request.META["HTTP_HOST"] directly: a request without a Host
    header (HTTP/1.0, a scanner) was a KeyError, a 500. They get the host Django would use
    (validated against ALLOWED_HOSTS: a bad one is Django's 400)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_HOST" not in request.META and request.path.startswith("/accounts/"):
            request.META["HTTP_HOST"] = request.get_host()
        return self.get_response(request)

    def process_exception(self, request, exception):
        # allauth's ACS hands python3-saml whatever was posted; a SAMLResponse that is not XML
        # raised lxml's parse error out of the view (a 500). It is the sender's fault: a 400.
        if isinstance(exception, etree.LxmlError) and request.path.startswith("/accounts/saml/"):
            return refusal_response(request, "The identity provider's answer is not a SAML response.", status=400)
        return None
