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
    from django.contrib.auth.models import Group, Permission

    by_codename = dict(Permission.objects.filter(content_type__app_label="feedback").values_list("codename", "pk"))
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue  # accounts.roles creates the groups; the next migrate's run adds these
        group.permissions.add(*[by_codename[p.split(".", 1)[1]] for p in perms if p.split(".", 1)[1] in by_codename])
