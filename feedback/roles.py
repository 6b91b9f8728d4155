"""Admin permissions of the staff roles (accounts.roles) on feedback data, synced after every
migrate like onboarding's. Everyone reads the figures and the answers (account managers only
their own organisations': feedback.admin scopes the rows); engineers and account managers work
the feature requests; leads and account managers write the monthly reviews' notes. Ratings and
NPS answers are the customers' words: nobody edits them."""

_VIEW = [f"feedback.view_{m}" for m in ("ticketrating", "npssurvey", "featurerequest", "monthlyreview",
                                        "surveyrecipient")]
_REQUESTS = ["feedback.add_featurerequest", "feedback.change_featurerequest"]
_REVIEWS = ["feedback.change_monthlyreview"]

ROLE_PERMISSIONS = {
    "Support engineer": _VIEW + _REQUESTS,
    "Senior engineer": _VIEW + _REQUESTS,
    "Engineering lead": _VIEW + _REQUESTS + _REVIEWS,
    "VP engineering": _VIEW + _REQUESTS + _REVIEWS,
    "Executive": _VIEW,
    "Account manager": _VIEW + _REQUESTS + _REVIEWS,
}


def sync_feedback_permissions(**_kwargs) -> None:
    from accounts.roles import grant_app_permissions

    grant_app_permissions("feedback", ROLE_PERMISSIONS)
