"""Keep cached API credentials honest: any change to a token or its user drops the cache entry."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from .authentication import forget
from .models import User


@receiver([post_save, post_delete], sender=Token, dispatch_uid="accounts.forget_token")
def forget_token(sender, instance, **kwargs):
    forget(instance.key)


@receiver([post_save, post_delete], sender=User, dispatch_uid="accounts.forget_user_tokens")
def forget_user_tokens(sender, instance, **kwargs):
    for key in Token.objects.filter(user_id=instance.pk).values_list("key", flat=True):
        forget(key)
