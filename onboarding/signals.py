"""An organisation that becomes Enterprise gets its onboarding plan (issue 5), in the same
transaction as the change, whichever path made it (admin, shell, a future billing hook)."""
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.models import Organization, Tier


@receiver(pre_save, sender=Organization, dispatch_uid="onboarding.remember_tier")
def remember_tier(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._onboarding_old_tier_id = None
        return
    instance._onboarding_old_tier_id = Organization.objects.filter(pk=instance.pk).values_list("tier_id", flat=True).first()


@receiver(post_save, sender=Organization, dispatch_uid="onboarding.plan_on_enterprise")
def plan_on_enterprise(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    old_tier_id = getattr(instance, "_onboarding_old_tier_id", None)
    if instance.tier_id == old_tier_id or instance.tier.code != Tier.ENTERPRISE:
        return
    from .services import plan_create_on_upgrade

    plan_create_on_upgrade(organization=instance)
