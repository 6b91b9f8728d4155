"""Admin permissions of the staff roles (accounts.roles) on onboarding data, synced after every
migrate like the roles themselves. Account managers run onboardings and services; engineers
work the activities they own; leads edit the template and catalogue. The guide's data (plan
template, service catalogue, support boundaries) is policy for every customer, so account
managers see it but do not edit it (migration 0003 took the grant back where it was given)."""

_VIEW = [f"onboarding.view_{m}" for m in (
    "onboardingplan", "planactivity", "checkin", "includedservice", "engagementrequest", "engagementstep",
    "serviceoffering", "scopecategory", "ticketscope", "plantemplate", "templateactivity")]
_WORK_ACTIVITIES = ["onboarding.change_onboardingplan", "onboarding.change_planactivity"]
_RUN_ONBOARDING = _WORK_ACTIVITIES + [
    "onboarding.add_onboardingplan", "onboarding.change_checkin", "onboarding.change_includedservice",
    "onboarding.change_engagementrequest", "onboarding.view_calendarfeed", "onboarding.change_calendarfeed",
]
_EDIT_DATA = ["onboarding.change_plantemplate", "onboarding.add_templateactivity", "onboarding.change_templateactivity",
              "onboarding.delete_templateactivity", "onboarding.change_serviceoffering", "onboarding.add_serviceoffering",
              "onboarding.change_scopecategory", "onboarding.add_scopecategory"]

ROLE_PERMISSIONS = {
    "Support engineer": _VIEW + _WORK_ACTIVITIES,
    "Senior engineer": _VIEW + _WORK_ACTIVITIES,
    "Engineering lead": _VIEW + _WORK_ACTIVITIES + _EDIT_DATA,
    "VP engineering": _VIEW + _WORK_ACTIVITIES + _EDIT_DATA,
    "Executive": _VIEW,
    "Account manager": _VIEW + _RUN_ONBOARDING,
}


def sync_onboarding_permissions(**_kwargs) -> None:
    from accounts.roles import grant_app_permissions

    grant_app_permissions("onboarding", ROLE_PERMISSIONS)
