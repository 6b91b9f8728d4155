"""Writes of the onboarding app: keyword-only, atomic, logged. Split by concern:

- plans.py: onboarding plans from the template, kickoff moves and slips (reflow), activity status;
- checkins.py: the check-in cadence on a rolling horizon, reminders, calendar feeds, included services;
- engagements.py: professional-services requests and the support-boundary (out-of-scope) flow.
"""
from .checkins import (  # noqa: F401
    calendar_feed_for_account_manager, calendar_feed_for_organization, calendar_feed_rotate, checkin_update,
    checkin_reminders_send, checkins_generate, checkins_replan, included_service_record,
    included_service_reminders_send, included_services_ensure,
)
from .engagements import (  # noqa: F401
    ALLOWED_ENGAGEMENT_MOVES, engagement_advance, engagement_request_create, engagement_request_from_ticket,
    is_enterprise, not_enterprise_reason, out_of_scope_notify, out_of_scope_reply, ticket_mark_out_of_scope,
)
from .plans import (  # noqa: F401
    activity_reschedule, activity_update, plan_create, plan_create_on_upgrade, plan_move_kickoff,
    plan_set_contacts,
)
