"""API tokens follow their user: a new password or a deactivation revokes them all, and any
change to a token or its user drops the cached credential (accounts/authentication.py).
A password reset also lifts a login lockout: the link proved the mailbox is theirs.

A password is new when it was set through `set_password` (portal change and reset, the admin's
password form, `manage.py changepassword`); the hash upgrade Django does on login is not a new
password. Bulk `update()`s send no signal: see docs/security.md.
"""
from allauth.account.signals import password_reset
from axes.utils import reset as axes_reset
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .authentication import forget_digest
from .lockout import username_key
from .models import ApiToken, User


def _forget_now_and_after_commit(digests) -> None:
    # Now, so this request no longer sees the entry; after commit too, because a request that
    # read the still-committed row in between may have cached it again.
    digests = list(digests)
    for digest in digests:
        forget_digest(digest)
    transaction.on_commit(lambda: [forget_digest(d) for d in digests], robust=True)


@receiver([post_save, post_delete], sender=ApiToken, dispatch_uid="accounts.forget_api_token")
def forget_api_token(sender, instance, **kwargs):
    _forget_now_and_after_commit([instance.digest])


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_or_forget_api_tokens")
def revoke_or_forget_api_tokens(sender, instance, created, **kwargs):
    if created:
        return
    # __dict__, not attributes: a user built from the token cache holds few fields, and reading a
    # deferred one would cost a query on every save.
    password_changed = getattr(instance, "_password", None) is not None
    deactivated = instance.__dict__.get("is_active") is False
    if password_changed or deactivated:
        from .services import api_tokens_revoke_all

        api_tokens_revoke_all(user=instance)  # each deletion forgets its entry
    else:
        _forget_now_and_after_commit(ApiToken.objects.filter(user_id=instance.pk).values_list("digest", flat=True))


@receiver(password_reset, dispatch_uid="accounts.reset_lifts_lockout")
def reset_lifts_lockout(sender, request, user, **kwargs):
    axes_reset(username=username_key(request, {"username": user.get_username()}))
