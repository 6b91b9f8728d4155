"""allauth.mfa's two-factor step, skipped for a sign-in through the organisation's IdP: the IdP
ran its own MFA (docs/security.md, "Single sign-on"). Staff never sign in through an IdP."""
from allauth.mfa.stages import AuthenticateStage


class PasswordSignInAuthenticateStage(AuthenticateStage):
    def _should_handle(self, request) -> bool:
        if (self.login.signal_kwargs or {}).get("sociallogin"):
            return False
        return super()._should_handle(request)
