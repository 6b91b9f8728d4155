"""Organisations, people, and the support policy of the guide held as data.

The policy tables (tiers, severities, targets) are seeded from the Enterprise Support Guide by
a data migration and edited in the admin; nothing of it is hard-coded in views.
"""
import re
import secrets
import string
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.timezone import now

ACCOUNT_ID_ALPHABET = string.ascii_lowercase + string.digits
ACCOUNT_ID_PREFIX = "ara_"
# A dialable number. The guide prints "+1-XXX-XXX-XXXX", a placeholder: shown as it is, not linked.
HOTLINE_NUMBER = re.compile(r"\+?[0-9][0-9 ().-]{5,38}[0-9]")


def new_account_id() -> str:
    # 12 random characters: 36**12 ≈ 4.7e18, so collisions are practically impossible and the
    # id cannot be guessed from another customer's.
    return ACCOUNT_ID_PREFIX + "".join(secrets.choice(ACCOUNT_ID_ALPHABET) for _ in range(12))


class Tier(models.Model):
    FREE, PRO, ENTERPRISE = "free", "pro", "enterprise"

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=50)
    rank = models.PositiveSmallIntegerField(default=0, help_text="Ordering, lowest tier first.")
    price = models.CharField(max_length=100)
    channels = models.JSONField(default=list, help_text="Support channels, as the guide names them.")
    response_time = models.CharField(max_length=100, help_text="Summary shown to customers.")
    coverage_hours = models.CharField(max_length=100)
    dedicated_support = models.CharField(max_length=100)
    uptime_sla = models.CharField(max_length=100)
    has_sla = models.BooleanField(default=True, help_text="Free has no SLA: no targets, no clocks.")
    ticket_portal = models.BooleanField(
        default=True, help_text="Whether customers on this tier open tickets in the portal."
    )
    priority_queue = models.BooleanField(
        default=False, help_text="Tickets are routed to the Priority Queue (senior engineers)."
    )
    custom_sla_allowed = models.BooleanField(default=False)
    calendar_timezone = models.CharField(max_length=64, default="UTC")
    # Weekly opening hours; empty = every minute of every day (24/7).
    business_days = models.JSONField(default=list, blank=True, help_text="ISO weekdays, 1=Mon.")
    business_start = models.TimeField(null=True, blank=True)
    business_end = models.TimeField(null=True, blank=True)
    escalation_severities = models.JSONField(
        default=list, blank=True, help_text="Severities that climb the escalation ladder by elapsed time."
    )
    # Where customers on this tier reach us (guide: "Contact Channels"), shown on the portal's
    # Get help page; blank = the tier does not offer it.
    support_email = models.EmailField(blank=True, help_text="Support mailbox (Pro: support@, Enterprise: the "
                                                            "dedicated enterprise-support@ queue).")
    hotline_number = models.CharField(max_length=40, blank=True, help_text="Emergency hotline (Enterprise).")
    hotline_hours = models.CharField(max_length=100, blank=True, help_text="When and for what the hotline answers.")
    community_url = models.URLField(blank=True, verbose_name="community forum URL")
    issues_url = models.URLField(blank=True, verbose_name="GitHub issues URL")
    docs_url = models.URLField(blank=True, verbose_name="documentation URL")

    class Meta:
        ordering = ["rank"]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            zoneinfo.ZoneInfo(self.calendar_timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"calendar_timezone": "Unknown IANA time zone."})
        if bool(self.business_days) != bool(self.business_start and self.business_end):
            raise ValidationError("Business days and opening hours go together (or neither: 24/7).")

    @property
    def hotline_dial(self) -> str:
        """The hotline as a tel: URI's number (+ and digits), or "" when it cannot be dialled."""
        if not HOTLINE_NUMBER.fullmatch(self.hotline_number or ""):
            return ""
        return re.sub(r"[^\d+]", "", self.hotline_number)


class Severity(models.Model):
    code = models.CharField(max_length=2, unique=True)  # "P1".."P4"
    name = models.CharField(max_length=30)
    definition = models.TextField()
    examples = models.TextField()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "severities"

    def __str__(self):
        return f"{self.code} - {self.name}"


class TargetKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
    RESPONSE = "response", "Response"
    RESOLUTION = "resolution", "Resolution"


class TargetUnit(models.TextChoices):
    # Semantics decided in DESIGN.md: h = hours of coverage, d = coverage days, w = coverage weeks;
    # m = minutes of coverage, for the guide's "acknowledged within 30 minutes".
    MINUTES = "m", "minutes"
    HOURS = "h", "hours"
    DAYS = "d", "days"
    WEEKS = "w", "weeks"


class TargetFields(models.Model):
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT)
    kind = models.CharField(max_length=15, choices=TargetKind.choices)
    amount = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty = best effort (no target, no clock)."
    )
    unit = models.CharField(max_length=1, choices=TargetUnit.choices, default=TargetUnit.HOURS)

    class Meta:
        abstract = True

    @property
    def display(self) -> str:
        return self.describe()

    def describe(self, business_calendar: bool = False) -> str:
        return describe_target(self.amount, self.unit, business_calendar)


def describe_target(amount: int | None, unit: str, business_calendar: bool = False) -> str:
    """"4 hours", or "4 business hours" on a business-hours calendar (Pro); None = "Best effort"."""
    if amount is None:
        return "Best effort"
    label = TargetUnit(unit).label
    if amount == 1:
        label = label.rstrip("s")
    if business_calendar:
        label = f"business {label}"
    return f"{amount} {label}"


class SlaTarget(TargetFields):
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="targets")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tier", "severity", "kind"], name="uniq_tier_target")
        ]
        ordering = ["tier__rank", "severity__code", "kind"]

    def __str__(self):
        return f"{self.tier} {self.severity.code} {self.kind}: {self.display}"


class Holiday(models.Model):
    """A closed day on a tier's business calendar (local date). None by default: data, not code."""

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tier", "date"], name="uniq_tier_holiday")]
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class EscalationLevel(models.Model):
    """One rung of a tier's escalation ladder (guide: "Escalation Procedures" and "Contacts").

    A ticket of a climbing severity reaches this level when it has been unresolved for `after`
    on the tier's own calendar (time waiting on the customer does not count).
    """

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="escalation_levels")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=100)
    after_hours = models.PositiveIntegerField(help_text="Coverage hours unresolved before this level.")
    roles = models.ManyToManyField("auth.Group", blank=True, help_text="Staff roles contacted at this level.")
    notify_account_manager = models.BooleanField(default=False)
    notify_support_engineer = models.BooleanField(default=False, help_text="The organisation's dedicated engineer.")
    availability = models.CharField(max_length=100, help_text="As the guide's contacts table says.")
    page_outside_hours_p1_only = models.BooleanField(
        default=False, help_text="Outside business hours, contacts are paged for P1 only (others get email)."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tier", "number"], name="uniq_tier_level")]
        ordering = ["tier__rank", "number"]

    def __str__(self):
        return f"{self.tier} L{self.number} {self.title}"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    account_id = models.CharField(max_length=32, unique=True, default=new_account_id, editable=False)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="organizations")
    account_manager = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_organizations",
        limit_choices_to={"is_staff": True},
    )
    support_engineer = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="supported_organizations",
        limit_choices_to={"is_staff": True}, help_text="Dedicated support engineer (Enterprise).",
    )
    slack_channel = models.CharField(
        max_length=100, blank=True, help_text="Slack Connect channel id (Enterprise); updates are posted there."
    )
    # Everyone the customer invites to the channel reads it, while in the portal a member sees only
    # their own tickets: by default only tickets opened in the channel are posted there.
    slack_posts_all_tickets = models.BooleanField(
        default=False, verbose_name="post every ticket to Slack",
        help_text="Post updates of every ticket of the organisation (not only those opened in Slack) to its "
                  "Slack Connect channel. Turn on only at a customer admin's request: everyone in the channel "
                  "then sees every ticket, as the organisation's admins do in the portal.")
    mfa_required = models.BooleanField(
        default=False, verbose_name="two-factor required",
        help_text="Members must set up two-factor authentication (an authenticator app or a security key): "
                  "after signing in with a password they can do nothing else until they have. Sign-ins "
                  "through the organisation's SSO are left to its identity provider.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.account_id})"

    @property
    def linked_slack_channel(self) -> str:
        """The Slack Connect channel updates go to, if the tier includes Slack support; else "".

        Account data, so that every app that posts (tickets for incidents and escalations,
        maintenance, slack_connect) reads it without depending on the Slack app."""
        if self.slack_channel and "Slack" in self.tier.channels:
            return self.slack_channel
        return ""


class CustomSlaTarget(TargetFields):
    """A target negotiated with one organisation; it replaces the tier's for that severity/kind."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="custom_targets")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "severity", "kind"], name="uniq_custom_target")
        ]
        verbose_name = "custom SLA target"

    def clean(self):
        if self.organization_id and not self.organization.tier.custom_sla_allowed:
            raise ValidationError("Custom SLAs are negotiated for Enterprise organisations only.")


class CustomerRole(models.TextChoices):
    ADMIN = "admin", "Customer admin"
    MEMBER = "member", "Customer member"


class User(AbstractUser):
    """Either a customer (belongs to one organisation) or staff (is_staff, roles as groups)."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    customer_role = models.CharField(max_length=10, choices=CustomerRole.choices, blank=True)
    timezone = models.CharField(
        max_length=64, blank=True, default="",
        help_text="Times are shown in this zone. Empty: the browser's zone, else the organisation's tier zone, else UTC.")
    slack_user_id = models.CharField(max_length=32, blank=True,
                                     help_text="Slack user id (U…): their Slack Connect messages are filed as theirs.")
    # Notification preferences (profile page), read by the notification senders (issue 12 item 7).
    # All on by default: someone who never opened their profile still hears about their tickets.
    notify_ticket_receipt = models.BooleanField(
        "ticket receipts", default=True,
        help_text="An email when a ticket you open is received: number, severity, targets, how to reply.")
    notify_staff_reply = models.BooleanField(
        "replies from support", default=True, help_text="An email when support replies on your ticket.")
    notify_status_change = models.BooleanField(
        "status changes", default=True,
        help_text="An email when your ticket's status changes (waiting on you, resolved, closed).")
    notify_nps_survey = models.BooleanField(
        "satisfaction surveys", default=True,
        help_text="An occasional survey about our support (CSAT after a ticket, NPS each quarter).")

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="customer_has_org_and_role",
                condition=(
                    models.Q(organization__isnull=True, customer_role="")
                    | (models.Q(organization__isnull=False) & ~models.Q(customer_role=""))
                ),
            ),
        ]
        # Inbound mail finds its sender by email, case-insensitively (UPPER(email) = UPPER(%s)):
        # without this every message scanned the whole users table.
        indexes = [models.Index(Upper("email"), name="user_email_upper")]

    @property
    def is_customer(self) -> bool:
        return self.organization_id is not None

    @property
    def is_customer_admin(self) -> bool:
        return self.is_customer and self.customer_role == CustomerRole.ADMIN

    def clean(self):
        super().clean()
        if self.is_staff and self.organization_id:
            raise ValidationError("Staff do not belong to a customer organisation.")
        if self.timezone:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValidationError({"timezone": "Unknown IANA time zone."})


class Heartbeat(models.Model):
    """Last time each background process proved it runs: "worker" (the heartbeat task) and "beat"
    (its own tick); /readyz judges their age and /metrics shows it (docs/observability.md)."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()


class TokenScope(models.TextChoices):
    FULL = "", "Everything its user may do"
    # A service credential for Aragora's platform: it reports usage and can do nothing else, so a
    # leaked one cannot read a ticket (docs/usage.md).
    USAGE = "usage", "Report usage only (POST /api/v1/usage/)"


class ApiToken(models.Model):
    """A REST API credential of one user: named, expiring, revocable, stored only as a hash.

    The key is shown once, when it is made; the database holds its SHA-256, so a leaked table
    holds no usable token (keys are 190 random bits: a fast hash is enough, unlike passwords).
    Deleted (not flagged) when revoked, by expiry clean-up, and on every password change or
    deactivation of its user (accounts.token_signals).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the key, hex.")
    prefix = models.CharField(max_length=12, editable=False, help_text="The key's first characters, to tell tokens apart.")
    created_at = models.DateTimeField(default=now, editable=False)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False,
                                        help_text="Recorded at most every few minutes.")
    scope = models.CharField(max_length=20, choices=TokenScope.choices, default=TokenScope.FULL, blank=True,
                             editable=False, help_text="What the token may do; a scoped token is refused elsewhere.")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= now()


from .sso.models import OrganizationSso, SsoAssertion, SsoProtocol  # noqa: E402,F401  (one app, its SSO models in accounts/sso/)
