"""Programme services: organisations, programmes, accounts, roles, skills, API tokens."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from djmoney.money import Money

from tests.assertions import assert_audited, errors_of, last_audit, unchanged, user_of
from tests.conftest import PASSWORD
from timebank.accounts.models import ApiToken, Membership, MembershipStatus, Role
from timebank.accounts.services.programmes import (
    account_create,
    membership_grant,
    organisation_create,
    programme_create,
)
from timebank.accounts.services.tokens import api_token_authenticate, api_token_create, api_token_revoke
from timebank.volunteers.services.skills import skill_create

NOT_ADMINS = ["coordinator", "other_programme_coordinator", "volunteer", "mentor", "funder", "partner", "outsider"]


# --- Organisations and programmes -------------------------------------------------------


def test_admin_sets_up_an_organisation_and_a_programme(admin):
    organisation = organisation_create(actor=admin, name=" Augsburg Stadt ", slug="Augsburg Stadt")
    assert (organisation.name, organisation.slug) == ("Augsburg Stadt", "augsburg-stadt")
    assert_audited(last_audit(), action="organisation.create", actor=admin, target=organisation)

    programme = programme_create(
        actor=admin,
        organisation=organisation,
        name="Paten für Familien",
        slug="paten",
        currency="EUR",
        hourly_value="15.50",
        credit_expiry_policy="after_earned",
        credit_expiry_months=24,
    )
    programme.refresh_from_db()
    assert programme.hourly_value == Money(Decimal("15.50"), "EUR")
    assert (programme.currency, programme.credit_expiry_policy, programme.credit_expiry_months) == (
        "EUR",
        "after_earned",
        24,
    )
    assert programme.mentorship_default_months == 6
    entry = last_audit()
    assert_audited(entry, action="programme.create", actor=admin, target=programme)
    assert entry.changes == {"name": "Paten für Familien", "currency": "EUR", "hourly_value": "15.50"}


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_only_administrators_set_up_organisations_and_programmes(request, persona, programme):
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        organisation_create(actor=actor, name="Cardiff Council", slug="cardiff")
    with unchanged(), pytest.raises(PermissionDenied):
        programme_create(actor=actor, organisation=programme.organisation, name="Youth court", slug="youth-court")


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"name": " "}, "name", id="no name"),
        pytest.param({"slug": "!!!"}, "slug", id="slug of no letters"),
        pytest.param({"slug": "taff"}, "slug", id="slug taken"),
    ],
)
def test_bad_organisation_names_the_field(admin, programme, bad, field):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        organisation_create(actor=admin, **{"name": "Cardiff Council", "slug": "cardiff", **bad})
    assert field in errors_of(excinfo)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"name": ""}, "name", id="no name"),
        pytest.param({"slug": "tenants"}, "slug", id="slug taken"),
        pytest.param({"currency": "XBT"}, "currency", id="unknown currency"),
        pytest.param({"hourly_value": "-1"}, "hourly_value", id="negative hourly value"),
        pytest.param({"hourly_value": "12.345"}, "hourly_value", id="three decimals"),
        pytest.param({"hourly_value": "twelve"}, "hourly_value", id="not an amount"),
        pytest.param({"auto_approve_max_minutes": -5}, "auto_approve_max_minutes", id="negative approval limit"),
        pytest.param({"auto_approve_max_minutes": "x"}, "auto_approve_max_minutes", id="approval limit not a number"),
        pytest.param(
            {"credit_expiry_policy": "after_inactivity", "credit_expiry_months": -1},
            "credit_expiry_months",
            id="negative credit expiry",
        ),
        pytest.param({"credit_expiry_policy": "sometimes"}, "credit_expiry_policy", id="unknown expiry policy"),
        pytest.param({"credit_expiry_policy": "after_earned"}, "credit_expiry_months", id="expiry without months"),
        pytest.param({"credit_expiry_months": 12}, "credit_expiry_months", id="months for credits that never expire"),
        pytest.param({"mentorship_default_months": None}, "mentorship_default_months", id="no mentorship length"),
    ],
)
def test_bad_programme_names_the_field(admin, programme, bad, field):
    given = {"name": "Youth court", "slug": "youth-court", **bad}
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        programme_create(actor=admin, organisation=programme.organisation, **given)
    assert field in errors_of(excinfo)


def test_every_bad_programme_field_is_reported_at_once(admin, programme):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        programme_create(
            actor=admin, organisation=programme.organisation, name="", slug="tenants", currency="", hourly_value="-3"
        )
    assert set(errors_of(excinfo)) == {"name", "slug", "currency", "hourly_value"}


# --- Accounts and roles -----------------------------------------------------------------


def test_admin_creates_a_staff_account(admin):
    user = account_create(
        actor=admin, username="claire", password=PASSWORD, full_name="Claire de Lune", email="claire@example.org"
    )
    assert (user.first_name, user.last_name, user.email) == ("Claire", "de Lune", "claire@example.org")
    assert user.check_password(PASSWORD)
    entry = last_audit()
    assert_audited(entry, action="account.create", actor=admin, target=user)
    assert PASSWORD not in str(entry.changes)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"username": "COORDINATOR"}, "username", id="username taken, whatever the case"),
        pytest.param({"username": "  "}, "username", id="no username"),
        pytest.param({"email": "Coordinator@Example.org"}, "email", id="e-mail taken"),
        pytest.param({"email": "claire at example"}, "email", id="malformed e-mail"),
        pytest.param({"password": "12345678"}, "password", id="weak password"),
        pytest.param({"password": "claire"}, "password", id="short password"),
    ],
)
def test_bad_account_names_the_field(admin, coordinator, bad, field):
    given = {"username": "claire", "password": PASSWORD, "full_name": "Claire de Lune", **bad}
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        account_create(actor=admin, **given)
    assert field in errors_of(excinfo)


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_only_administrators_create_accounts(request, persona):
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        account_create(actor=actor, username="claire", password=PASSWORD, full_name="Claire")


def test_a_coordinator_makes_a_volunteer_a_mentor_once(coordinator, volunteer, programme):
    membership = membership_grant(actor=coordinator, user=volunteer.user, programme=programme, role=Role.MENTOR)
    assert (membership.role, membership.status) == (Role.MENTOR, MembershipStatus.ACTIVE)
    entry = last_audit()
    assert_audited(entry, action="membership.grant", actor=coordinator, target=membership)
    assert entry.changes == {"role": "mentor"}
    with unchanged():
        assert (
            membership_grant(actor=coordinator, user=volunteer.user, programme=programme, role=Role.MENTOR)
            == membership
        )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FUNDER, Role.PARTNER])
def test_a_coordinator_may_not_grant_staff_roles(coordinator, volunteer, programme, role):
    with unchanged(), pytest.raises(PermissionDenied):
        membership_grant(actor=coordinator, user=volunteer.user, programme=programme, role=role)


@pytest.mark.parametrize(
    "persona", ["other_programme_coordinator", "volunteer", "mentor", "funder", "partner", "outsider"]
)
def test_only_the_programmes_coordinators_grant_volunteer_roles(request, persona, outsider, programme):
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        membership_grant(actor=actor, user=outsider, programme=programme, role=Role.VOLUNTEER)


def test_an_administrator_grants_a_funder_role(admin, outsider, programme):
    membership = membership_grant(actor=admin, user=outsider, programme=programme, role=Role.FUNDER)
    assert Membership.objects.filter(user=outsider, programme=programme, role=Role.FUNDER).get() == membership


def test_an_unknown_role_is_refused(admin, outsider, programme):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        membership_grant(actor=admin, user=outsider, programme=programme, role="treasurer")
    assert "role" in errors_of(excinfo)


# --- Skills -------------------------------------------------------------------------------


def test_a_coordinator_adds_a_skill_to_the_vocabulary(coordinator, programme):
    skill = skill_create(actor=coordinator, programme=programme, name=" Newsletter writing ")
    assert (skill.name, skill.slug, skill.programme) == ("Newsletter writing", "newsletter-writing", programme)
    assert_audited(last_audit(), action="skill.create", actor=coordinator, target=skill)


@pytest.mark.parametrize(
    "name",
    [pytest.param("", id="empty"), pytest.param("x" * 101, id="too long"), pytest.param("gardening", id="taken")],
)
def test_bad_skill_names_the_field(coordinator, programme, catalogue, name):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        skill_create(actor=coordinator, programme=programme, name=name)
    assert "name" in errors_of(excinfo)


@pytest.mark.parametrize(
    "persona", ["other_programme_coordinator", "volunteer", "mentor", "funder", "partner", "outsider"]
)
def test_only_the_programmes_coordinators_add_skills(request, persona, programme):
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        skill_create(actor=actor, programme=programme, name="Interpreting")


# --- API tokens ---------------------------------------------------------------------------


def test_a_token_authenticates_until_revoked(coordinator):
    token, secret = api_token_create(actor=coordinator, name=" Monthly export ")
    assert token.name == "Monthly export"
    assert secret.startswith("tb_")
    assert secret not in (token.key_hash, token.prefix)
    assert_audited(last_audit(), action="token.create", actor=coordinator, target=token)

    assert api_token_authenticate(secret) == coordinator
    token.refresh_from_db()
    assert token.last_used_at is not None

    api_token_revoke(actor=coordinator, token=token)
    assert_audited(last_audit(), action="token.revoke", actor=coordinator, target=token)
    assert api_token_authenticate(secret) is None
    with unchanged():
        api_token_revoke(actor=coordinator, token=token)


def test_a_token_used_often_is_marked_used_at_most_once_a_minute(coordinator):
    """An API read must not write on every call (it took SQLite's write lock each time)."""
    import datetime as dt

    from django.utils import timezone

    from timebank.accounts.models import ApiToken

    token, secret = api_token_create(actor=coordinator, name="dashboard")
    api_token_authenticate(secret)
    first = ApiToken.objects.get(pk=token.pk).last_used_at

    with unchanged():
        for _ in range(5):
            assert api_token_authenticate(secret) == coordinator

    a_minute_ago = first - dt.timedelta(minutes=1, seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=a_minute_ago)
    api_token_authenticate(secret)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - dt.timedelta(seconds=1)
    assert ApiToken.objects.get(pk=token.pk).last_used_at <= timezone.now()


@pytest.mark.parametrize("secret", ["", "tb_not-a-token", "Bearer tb_x", "something-else"])
def test_unknown_secrets_authenticate_nobody(coordinator, secret):
    api_token_create(actor=coordinator, name="script")
    assert api_token_authenticate(secret) is None


def test_a_token_of_a_deactivated_account_authenticates_nobody(coordinator):
    _, secret = api_token_create(actor=coordinator, name="script")
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    assert api_token_authenticate(secret) is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_name(coordinator, name):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        api_token_create(actor=coordinator, name=name)
    assert "name" in errors_of(excinfo)


@pytest.mark.parametrize("persona", ["admin", "other_programme_coordinator", "volunteer", "funder", "outsider"])
def test_nobody_revokes_someone_elses_token(request, persona, coordinator):
    token, secret = api_token_create(actor=coordinator, name="script")
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        api_token_revoke(actor=actor, token=token)
    assert api_token_authenticate(secret) == coordinator
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
