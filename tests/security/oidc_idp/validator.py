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
