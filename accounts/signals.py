"""Keep cached API credentials honest: any change to a token or its user drops the cache entry."""
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from .authentication import forget
from .models import CustomSlaTarget, EscalationLevel, Holiday, SlaTarget, Tier, User


@receiver([post_save, post_delete], sender=Token, dispatch_uid="accounts.forget_token")
def forget_token(sender, instance, **kwargs):
    forget(instance.key)


@receiver([post_save, post_delete], sender=User, dispatch_uid="accounts.forget_user_tokens")
def forget_user_tokens(sender, instance, **kwargs):
    for key in Token.objects.filter(user_id=instance.pk).values_list("key", flat=True):
        forget(key)


@receiver([post_save, post_delete], dispatch_uid="accounts.forget_sla_policies")
def forget_sla_policies(sender, **kwargs):
    from tickets.sla.policy import forget_policies

    if sender in (Tier, SlaTarget, CustomSlaTarget, Holiday, EscalationLevel):
        forget_policies()


@receiver(m2m_changed, sender=EscalationLevel.roles.through, dispatch_uid="accounts.forget_sla_policies_roles")
def forget_sla_policies_on_roles(sender, **kwargs):
    from tickets.sla.policy import forget_policies

    forget_policies()
