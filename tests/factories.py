import factory
from django.contrib.auth.models import Group

from accounts.models import CustomerRole, Organization, Tier, User
from tickets.models import Channel, Ticket

PASSWORD = "correct-horse-battery"


def tier(code: str) -> Tier:
    return Tier.objects.get(code=code)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    tier = factory.LazyFunction(lambda: tier(Tier.PRO))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CustomerFactory(UserFactory):
    organization = factory.SubFactory(OrganizationFactory)
    customer_role = CustomerRole.MEMBER


class CustomerAdminFactory(CustomerFactory):
    customer_role = CustomerRole.ADMIN


class StaffFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get(name=extracted or "Support engineer"))


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket row straight in the database (for reads); writes under test use the services."""

    class Meta:
        model = Ticket

    requester = factory.SubFactory(CustomerFactory)
    organization = factory.SelfAttribute("requester.organization")
    subject = factory.Sequence(lambda n: f"Ticket {n}")
    description = "Something broke."
    severity = "P3"
    channel = Channel.PORTAL


def api_key_for(user, name: str = "tests") -> str:
    """A new API token's key for the user, made as the profile page makes one."""
    from accounts.services import api_token_create

    return api_token_create(user=user, name=name)[1]


# Two-factor (allauth.mfa): an authenticator app with a known secret, and its code now, computed
# with allauth's own TOTP helpers (as an authenticator app would).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(user, secret: str = TOTP_SECRET):
    from allauth.mfa.totp.internal.auth import TOTP

    return TOTP.activate(user, secret).instance


def totp_code(secret: str = TOTP_SECRET, *, steps_from_now: int = 0) -> str:
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD + steps_from_now))
