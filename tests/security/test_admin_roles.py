"""Issue 11 item 1: no staff role can raise its own privileges or reach accounts beyond its scope
in the admin. Each role opens and posts the user change form of its own user, of a colleague, of
a customer of an organisation it manages and of another organisation's customer (the real admin,
signed in with force_login); each cell of the matrix states what must happen."""
import importlib

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.admin.helpers import AdminForm

from accounts import roles
from accounts.models import ApiToken, Organization, Severity, User
from tests.factories import PASSWORD, CustomerFactory, OrganizationFactory, StaffFactory, tier

pytestmark = pytest.mark.django_db

ROLES = [roles.SUPPORT_ENGINEER, roles.SENIOR_ENGINEER, roles.ENGINEERING_LEAD, roles.VP_ENGINEERING,
         roles.EXECUTIVE, roles.ACCOUNT_MANAGER]
TARGETS = ["own", "colleague", "my_customer", "other_customer"]
PRIVILEGES = ["is_superuser", "is_staff", "groups", "user_permissions"]
USER_URL = "/admin/accounts/user/{}/{}"
NEW_PASSWORD = {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase", "usable_password": "true"}


@pytest.fixture
def world():
    """One user per role, each the account manager of an organisation with one customer."""
    other_manager = StaffFactory(username="other-am", role=roles.ACCOUNT_MANAGER)
    other_org = OrganizationFactory(name="Someone else's", tier=tier("enterprise"), account_manager=other_manager)
    cells = {}
    for n, role in enumerate(ROLES):
        actor = StaffFactory(username=f"staff{n}", role=role)
        org = OrganizationFactory(name=f"Org of {role}", tier=tier("enterprise"), account_manager=actor)
        cells[role] = {
            "actor": actor,
            "own": actor,
            "colleague": StaffFactory(username=f"colleague{n}", role=roles.SENIOR_ENGINEER),
            "my_customer": CustomerFactory(organization=org, username=f"mine{n}"),
            "other_customer": CustomerFactory(organization=other_org, username=f"theirs{n}"),
        }
    return {"cells": cells, "other_manager": other_manager, "other_org": other_org}


def _expected(role: str, target: str) -> str:
    """What the change form is for this role and target: 'edit', 'read' (shown, not saved) or 'missing'."""
    if role != roles.ACCOUNT_MANAGER:
        return "read"  # may view users, may change none
    return {"own": "read", "colleague": "missing", "my_customer": "edit", "other_customer": "missing"}[target]


def _state(user: User):
    user = User.objects.get(pk=user.pk)
    return (user.is_superuser, user.is_staff, set(user.groups.values_list("pk", flat=True)),
            set(user.user_permissions.values_list("pk", flat=True)), user.first_name)


def _editable(response) -> set:
    if not response.context["has_change_permission"]:
        return set()
    adminform: AdminForm = response.context["adminform"]
    return set(adminform.form.fields) - set(adminform.readonly_fields)


def _shown(response) -> set:
    return {field for _, options in response.context["adminform"].fieldsets for field in options["fields"]}


def _post_data(user: User, privilege: str) -> dict:
    """Every field either form (the stock one or the scoped one) has, plus one privilege to raise."""
    data = {"username": user.username, "first_name": "Renamed", "last_name": user.last_name, "email": user.email,
            "is_active": "on", "date_joined_0": "2026-01-05", "date_joined_1": "09:00:00", "last_login_0": "",
            "last_login_1": "", "organization": user.organization_id or "", "customer_role": user.customer_role,
            "slack_user_id": "", "timezone": "UTC"}
    if user.is_staff:
        data["is_staff"] = "on"
    data.update({
        "is_superuser": {"is_superuser": "on"},
        "is_staff": {"is_staff": "on"},
        "groups": {"groups": [Group.objects.get(name=roles.ENGINEERING_LEAD).pk]},
        "user_permissions": {"user_permissions": [Permission.objects.get(codename="delete_user").pk]},
    }[privilege])
    return data


@pytest.mark.parametrize("privilege", PRIVILEGES)
@pytest.mark.parametrize("target", TARGETS)
def test_no_staff_role_can_grant_privileges_on_the_user_change_form(client, world, target, privilege):
    wrong = []
    for role, cell in world["cells"].items():
        user, expected = cell[target], _expected(role, target)
        client.force_login(cell["actor"])
        url = USER_URL.format(user.pk, "change/")
        before = _state(user)
        page = client.get(url)
        posted = client.post(url, _post_data(user, privilege))
        after = _state(user)
        if expected == "missing":
            ok = page.status_code == 404 and posted.status_code == 404 and after == before
        elif expected == "read":
            ok = (page.status_code == 200 and not _editable(page) and not set(PRIVILEGES) & _shown(page)
                  and posted.status_code == 403 and after == before)
        else:  # edit: the form saves, without any privilege field on it
            editable = _editable(page) if page.status_code == 200 else set()
            ok = (not set(PRIVILEGES) & _shown(page)
                  and {"first_name", "email", "is_active", "customer_role"} <= editable
                  and posted.status_code == 302 and after == before[:4] + ("Renamed",))
        if not ok:
            wrong.append(f"{role}: GET {page.status_code}, POST {posted.status_code}, {before} -> {after}")
        client.logout()
    assert not wrong, f"{target} / {privilege} wrong for {'; '.join(wrong)}"


def test_a_superuser_still_grants_superuser_and_roles_and_sets_staff_passwords(client, world):
    root = User.objects.create_superuser("root", "root@aragora.ai", PASSWORD)
    colleague = world["cells"][roles.SUPPORT_ENGINEER]["colleague"]
    client.force_login(root)
    page = client.get(USER_URL.format(colleague.pk, "change/"))
    assert set(PRIVILEGES) <= _editable(page)
    data = _post_data(colleague, "is_superuser") | {"groups": [Group.objects.get(name=roles.ENGINEERING_LEAD).pk]}
    assert client.post(USER_URL.format(colleague.pk, "change/"), data).status_code == 302
    assert client.post(USER_URL.format(colleague.pk, "password/"), NEW_PASSWORD).status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_superuser and colleague.groups.get().name == roles.ENGINEERING_LEAD
    assert colleague.check_password(NEW_PASSWORD["password1"])


@pytest.mark.parametrize("target", TARGETS)
def test_the_password_form_is_for_account_managers_on_their_customers_only(client, world, target):
    wrong = []
    for role, cell in world["cells"].items():
        user, expected = cell[target], _expected(role, target)
        client.force_login(cell["actor"])
        url = USER_URL.format(user.pk, "password/")
        page = client.get(url)
        posted = client.post(url, NEW_PASSWORD)
        changed = User.objects.get(pk=user.pk).check_password(NEW_PASSWORD["password1"])
        want = {"missing": (404, 404, False), "read": (403, 403, False), "edit": (200, 302, True)}[expected]
        if (page.status_code, posted.status_code, changed) != want:
            wrong.append(f"{role}: {page.status_code}/{posted.status_code}/{changed}, want {want}")
        client.logout()
    assert not wrong, f"password of {target}: {'; '.join(wrong)}"


def test_an_account_managers_user_list_is_their_customers_and_themselves(client, world):
    cell = world["cells"][roles.ACCOUNT_MANAGER]
    client.force_login(cell["actor"])
    page = client.get("/admin/accounts/user/").content.decode()
    assert cell["my_customer"].username in page and cell["actor"].username in page
    assert cell["other_customer"].username not in page and cell["colleague"].username not in page
    # Deleting is not the account manager's either, in their scope or out of it.
    for target in ("my_customer", "other_customer", "colleague"):
        assert client.get(USER_URL.format(cell[target].pk, "delete/")).status_code in (403, 404)
        assert client.post(USER_URL.format(cell[target].pk, "delete/"), {"post": "yes"}).status_code in (403, 404)
        assert User.objects.filter(pk=cell[target].pk).exists()
    assert client.get(USER_URL.format(cell["other_customer"].pk, "history/")).status_code == 404


def test_an_account_manager_adds_customers_to_their_own_organisations_only(client, world):
    cell = world["cells"][roles.ACCOUNT_MANAGER]
    mine = cell["my_customer"].organization
    client.force_login(cell["actor"])
    page = client.get("/admin/accounts/user/add/")
    fields = page.context["adminform"].form.fields
    assert not set(PRIVILEGES) & set(fields)
    assert [org for org in fields["organization"].queryset] == [mine]
    new = {"username": "newcomer", "email": "new@example.com", "first_name": "New", "last_name": "Comer",
           "customer_role": "member", **NEW_PASSWORD, "is_staff": "on", "is_superuser": "on",
           "groups": [Group.objects.get(name=roles.ENGINEERING_LEAD).pk]}
    refused = client.post("/admin/accounts/user/add/", new | {"organization": world["other_org"].pk})
    assert refused.status_code == 200 and "organization" in refused.context["adminform"].form.errors
    assert client.post("/admin/accounts/user/add/", new | {"organization": ""}).status_code == 200
    assert not User.objects.filter(username="newcomer").exists()
    assert client.post("/admin/accounts/user/add/", new | {"organization": mine.pk}).status_code == 302
    created = User.objects.get(username="newcomer")
    assert (created.organization, created.customer_role, created.is_staff, created.is_superuser) == \
        (mine, "member", False, False)
    assert not created.groups.exists() and created.check_password(NEW_PASSWORD["password1"])


def test_a_blank_customer_role_is_refused_on_the_account_managers_form(client, world):
    cell = world["cells"][roles.ACCOUNT_MANAGER]
    customer = cell["my_customer"]
    client.force_login(cell["actor"])
    data = _post_data(customer, "is_superuser") | {"customer_role": ""}
    response = client.post(USER_URL.format(customer.pk, "change/"), data)
    assert response.status_code == 200 and "customer_role" in response.context["adminform"].form.errors
    assert User.objects.get(pk=customer.pk).customer_role == "member"


# -- organisations ------------------------------------------------------------------------------

def _org_data(org: Organization, **changes) -> dict:
    data = {"name": org.name, "tier": org.tier_id, "account_manager": org.account_manager_id or "",
            "support_engineer": org.support_engineer_id or "", "slack_channel": org.slack_channel,
            "custom_targets-TOTAL_FORMS": 0, "custom_targets-INITIAL_FORMS": 0}
    return data | changes


def test_an_account_manager_changes_only_the_organisations_they_manage(client, world):
    cell = world["cells"][roles.ACCOUNT_MANAGER]
    am, theirs = cell["actor"], world["other_org"]
    unmanaged = OrganizationFactory(name="Nobody's", tier=tier("enterprise"))
    client.force_login(am)
    url = f"/admin/accounts/organization/{theirs.pk}/change/"
    assert client.get(url).context["has_change_permission"] is False  # shown to staff, not editable
    custom = {"custom_targets-TOTAL_FORMS": 1, "custom_targets-0-severity": Severity.objects.get(code="P1").pk,
              "custom_targets-0-kind": "response", "custom_targets-0-amount": 1, "custom_targets-0-unit": "m"}
    for org in (theirs, unmanaged):
        response = client.post(f"/admin/accounts/organization/{org.pk}/change/",
                               _org_data(org, name="Taken over", account_manager=am.pk, **custom))
        assert response.status_code == 403
        org.refresh_from_db()
        assert org.name != "Taken over" and org.account_manager_id != am.pk and not org.custom_targets.exists()


def test_who_manages_an_organisation_is_a_superusers_call(client, world):
    cell = world["cells"][roles.ACCOUNT_MANAGER]
    am, mine = cell["actor"], cell["my_customer"].organization
    client.force_login(am)
    page = client.get(f"/admin/accounts/organization/{mine.pk}/change/")
    assert "account_manager" not in _editable(page) and "support_engineer" in _editable(page)
    response = client.post(f"/admin/accounts/organization/{mine.pk}/change/",
                           _org_data(mine, name="Renamed Org", account_manager=world["other_manager"].pk))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.name, mine.account_manager) == ("Renamed Org", am)
    # An organisation an account manager opens is theirs, whoever the form names.
    response = client.post("/admin/accounts/organization/add/",
                           _org_data(mine, name="Fresh Co", account_manager=world["other_manager"].pk))
    assert response.status_code == 302
    assert Organization.objects.get(name="Fresh Co").account_manager == am


# -- roles, permissions and tokens ----------------------------------------------------------------

def test_roles_and_tokens_are_superusers_pages_whatever_permissions_a_staff_member_holds(client, world):
    engineer = world["cells"][roles.SUPPORT_ENGINEER]["actor"]
    engineer.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["auth", "authtoken"]),
                                  *Permission.objects.filter(content_type__model="apitoken"))
    root = User.objects.create_superuser("root", "root@aragora.ai", PASSWORD)
    from accounts.services import api_token_create

    token, _key = api_token_create(user=root, name="root's")
    group = Group.objects.get(name=roles.SUPPORT_ENGINEER)
    before = set(group.permissions.values_list("pk", flat=True))
    client.force_login(User.objects.get(pk=engineer.pk))
    response = client.post(f"/admin/auth/group/{group.pk}/change/",
                           {"name": group.name, "permissions": list(Permission.objects.values_list("pk", flat=True))})
    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert client.post("/admin/auth/group/add/", {"name": "Mine", "permissions": [1]}).status_code == 403
    # API tokens (accounts.ApiToken; DRF's clear-text tokens are gone): listing and revoking them
    # is a superuser's, whatever permissions a staff member holds.
    assert client.get("/admin/accounts/apitoken/").status_code == 403
    assert client.get(f"/admin/accounts/apitoken/{token.pk}/change/").status_code == 403
    assert client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_no_role_holds_permissions_over_roles_tokens_or_staff_accounts():
    for group in Group.objects.filter(name__in=ROLES):
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert not {p for p in held if p.startswith(("auth.", "authtoken."))}, group.name
        assert "accounts.delete_user" not in held
        assert ("accounts.change_user" in held) == (group.name == roles.ACCOUNT_MANAGER)


def test_the_guides_data_is_edited_by_engineering_leads_not_account_managers():
    am, lead = StaffFactory(role=roles.ACCOUNT_MANAGER), StaffFactory(role=roles.ENGINEERING_LEAD)
    for perm in ("onboarding.change_scopecategory", "onboarding.change_plantemplate",
                 "onboarding.change_serviceoffering", "accounts.change_tier", "accounts.change_slatarget"):
        assert lead.has_perm(perm) and not am.has_perm(perm), perm
    assert am.has_perm("onboarding.view_scopecategory") and am.has_perm("onboarding.change_onboardingplan")


def test_an_existing_account_manager_role_loses_its_old_grant_on_the_guides_data():
    from django.apps import apps

    migration = importlib.import_module("onboarding.migrations.0004_account_managers_do_not_edit_guide_data")
    group = Group.objects.get(name=roles.ACCOUNT_MANAGER)
    group.permissions.add(Permission.objects.get(content_type__app_label="onboarding", codename="change_scopecategory"))
    migration.withdraw(apps, None)
    assert not group.permissions.filter(codename="change_scopecategory").exists()
    assert group.permissions.filter(codename="change_onboardingplan").exists()
