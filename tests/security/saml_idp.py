"""A real SAML identity provider for the tests: pysaml2's IdP (saml2.server.Server) with its own
key and certificate, signing Responses with xmlsec1 the way Okta or Entra ID do."""
from __future__ import annotations

import base64
import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.sigver import get_xmlsec_binary
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256


def write_key_pair(directory: Path, name: str) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=30)).not_valid_after(now + datetime.timedelta(days=365))
            .sign(key, hashes.SHA256()))
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


class SamlIdP:
    def __init__(self, directory: Path, name: str):
        self.entity_id = f"https://{name}.idp.example/metadata"
        self.sso_url = f"https://{name}.idp.example/sso"
        self.key_file, self.cert_file = write_key_pair(directory, name)
        self.server = None

    def _config(self, sp_metadata: str | None) -> IdPConfig:
        config = {
            "entityid": self.entity_id,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT),
                                                         (self.sso_url, BINDING_HTTP_POST)]},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                "policy": {"default": {"lifetime": {"minutes": 15}, "attribute_restrictions": None}},
                "want_authn_requests_signed": False,
            }},
            "key_file": str(self.key_file), "cert_file": str(self.cert_file),
            "xmlsec_binary": get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
            "metadata": {"inline": [sp_metadata]} if sp_metadata else {},
        }
        conf = IdPConfig()
        conf.load(config)
        return conf

    def metadata_xml(self) -> str:
        return create_metadata_string(None, config=self._config(None), sign=False).decode()

    def trust_sp(self, sp_metadata: str) -> None:
        self.server = Server(config=self._config(sp_metadata))

    def parse_request(self, redirect_url: str):
        """The AuthnRequest our SP sent by the HTTP-Redirect binding: (its id, ACS URL, RelayState)."""
        query = parse_qs(urlsplit(redirect_url).query)
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        return request.message.id, request.message.assertion_consumer_service_url, query.get("RelayState", [""])[0]

    def response(self, *, email: str, sp_entity_id: str, acs_url: str, in_response_to: str | None = None,
                 attributes: dict | None = None, name_id: str | None = None, signed: bool = True) -> str:
        """A signed SAML Response (signed Response and Assertion), base64 as the POST binding carries it."""
        identity = {"email": [email], "givenName": ["Pat"], "sn": ["Doe"], **(attributes or {})}
        response = self.server.create_authn_response(
            identity=identity, in_response_to=in_response_to, destination=acs_url, sp_entity_id=sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=name_id or email), userid=name_id or email,
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
            sign_response=signed, sign_assertion=signed, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        return base64.b64encode(str(response).encode()).decode()
