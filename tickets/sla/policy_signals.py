"""The policy cache (tickets.sla.policy) forgets what it read when policy data changes.

The policy lives in accounts (the base layer, which knows no tickets); the cache of it is the
core's, so the core listens to the accounts models' signals here."""
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.models import CustomSlaTarget, EscalationLevel, Holiday, SlaTarget, Tier

from .policy import forget_policies

POLICY_MODELS = (Tier, SlaTarget, CustomSlaTarget, Holiday, EscalationLevel)


@receiver([post_save, post_delete], dispatch_uid="tickets.forget_sla_policies")
def forget_sla_policies(sender, **kwargs):
    if sender in POLICY_MODELS:
        forget_policies()


@receiver(m2m_changed, sender=EscalationLevel.roles.through, dispatch_uid="tickets.forget_sla_policies_roles")
def forget_sla_policies_on_roles(sender, **kwargs):
    forget_policies()
