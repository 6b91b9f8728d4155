import json

from jwcrypto import jwk, jwt
from jwcrypto.common import base64url_decode
from oauth2_provider.oauth2_validators import OAuth2Validator

# What the test asked this IdP to do wrong (POST /setup/): one process, so a module global.
MISCONDUCT: dict = {}


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below, whatever the scopes

    def get_additional_claims(self, request):
        user = request.user
        return {"email": user.email, "email_verified": True, "given_name": user.first_name,
                "family_name": user.last_name, "groups": [g.name for g in user.groups.all()]}

    def get_oidc_issuer_endpoint(self, request):
        # Only the ID token's "iss": discovery still names the real issuer (a mix-up / foreign token).
        return MISCONDUCT.get("token_issuer") or super().get_oidc_issuer_endpoint(request)

    def finalize_id_token(self, id_token, token, token_handler, request):
        serialized = super().finalize_id_token(id_token, token, token_handler, request)
        if not MISCONDUCT.get("forge_signature"):
            return serialized
        # The same header (kid of the published key) and claims, signed with a key nobody published.
        header, claims = (json.loads(base64url_decode(part)) for part in serialized.split(".")[:2])
        forged = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
        forged.make_signed_token(jwk.JWK.generate(kty="RSA", size=2048))
        return forged.serialize()
