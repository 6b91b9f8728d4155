"""The SLA policy of the guide, read from the database into plain objects the clocks use.

`load_policies()` reads every tier's targets, calendar and escalation ladder in a constant
number of queries (the sweep loads it once); `policy_for(organization)` serves one ticket.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from accounts.models import CustomSlaTarget, EscalationLevel, Holiday, SlaTarget, Tier

from business_time.calendar import Calendar


@dataclass(frozen=True)
class Target:
    amount: int
    unit: str


@dataclass(frozen=True)
class Level:
    number: int
    title: str
    after_hours: int
    role_ids: tuple[int, ...]
    notify_account_manager: bool
    notify_support_engineer: bool
    page_outside_hours_p1_only: bool


@dataclass
class TierPolicy:
    tier_id: int
    code: str
    name: str
    has_sla: bool
    calendar: Calendar
    targets: dict[tuple[str, str], Target]
    levels: list[Level]
    climbing: frozenset[str]
    custom: dict[tuple[str, str], Target] = field(default_factory=dict)

    def target(self, severity: str, kind: str) -> Target | None:
        """The organisation's negotiated target if any, else the tier's; None = no target."""
        if not self.has_sla:
            return None
        return self.custom.get((severity, kind), self.targets.get((severity, kind)))

    def level(self, number: int) -> Level | None:
        return next((lv for lv in self.levels if lv.number == number), None)

    @property
    def top_level(self) -> int:
        return max((lv.number for lv in self.levels), default=1)

    def with_custom(self, custom: dict[tuple[str, str], Target]) -> TierPolicy:
        if not custom:
            return self
        return TierPolicy(**{**self.__dict__, "custom": custom})


def calendar_for(tier: Tier, holidays=()) -> Calendar:
    if not tier.business_days:
        return Calendar.always()
    return Calendar.weekly(tier.calendar_timezone, tier.business_days, tier.business_start, tier.business_end,
                           holidays=holidays)


def _targets(rows) -> dict[tuple[str, str], Target]:
    return {(code, kind): Target(amount, unit) for code, kind, amount, unit in rows if amount is not None}


_cache: dict = {"at": 0.0, "policies": None, "custom": None}
# Policy is edited rarely and read on every ticket write: each process keeps it this long.
# An edit in this process drops it at once (accounts.signals); other processes follow within it.
POLICY_TTL_SECONDS = 60


def forget_policies(**_kwargs) -> None:
    _cache["policies"] = None


def load_policies() -> dict[int, TierPolicy]:
    """Every tier's policy (cached for POLICY_TTL_SECONDS; see above)."""
    now = time.monotonic()
    if _cache["policies"] is None or now - _cache["at"] > POLICY_TTL_SECONDS:
        # Negotiated targets ride along: a few rows per Enterprise customer, and reading them
        # per ticket write was a tenth of the cost of ingesting an email (bench/email_ingest.py).
        _cache["custom"] = custom_targets(None)
        _cache["policies"], _cache["at"] = _load_policies(), now
    return _cache["policies"]


def _load_policies() -> dict[int, TierPolicy]:
    """Every tier's policy, in four queries whatever the number of tiers."""
    tiers = list(Tier.objects.all())
    holidays: dict[int, list] = {}
    for tier_id, day in Holiday.objects.values_list("tier_id", "date"):
        holidays.setdefault(tier_id, []).append(day)
    targets: dict[int, list] = {}
    for row in SlaTarget.objects.values_list("tier_id", "severity__code", "kind", "amount", "unit"):
        targets.setdefault(row[0], []).append(row[1:])
    levels: dict[int, list[Level]] = {}
    for level in EscalationLevel.objects.prefetch_related("roles").order_by("number"):
        levels.setdefault(level.tier_id, []).append(Level(
            level.number, level.title, level.after_hours, tuple(r.pk for r in level.roles.all()),
            level.notify_account_manager, level.notify_support_engineer, level.page_outside_hours_p1_only))
    return {
        tier.pk: TierPolicy(
            tier_id=tier.pk, code=tier.code, name=tier.name, has_sla=tier.has_sla,
            calendar=calendar_for(tier, holidays.get(tier.pk, ())),
            targets=_targets(targets.get(tier.pk, [])), levels=levels.get(tier.pk, []),
            climbing=frozenset(tier.escalation_severities or ()),
        )
        for tier in tiers
    }


def custom_targets(organization_ids) -> dict[int, dict[tuple[str, str], Target]]:
    """Negotiated targets by organisation: of these organisations, or of all when None."""
    out: dict[int, dict] = {}
    rows = CustomSlaTarget.objects.all()
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=set(organization_ids))
    rows = rows.values_list("organization_id", "severity__code", "kind", "amount", "unit")
    for org_id, *row in rows:
        out.setdefault(org_id, {}).update(_targets([row]))
    return out


def policy_for(organization) -> TierPolicy:
    """The policy that applies to one organisation (its tier's, with its custom targets)."""
    policy = load_policies()[organization.tier_id]
    return policy.with_custom(_cache["custom"].get(organization.pk, {}))
