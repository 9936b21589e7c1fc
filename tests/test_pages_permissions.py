"""Who may open which page, and who may post which form.

Every page and form URL is tried by every persona. Anonymous people are sent to
sign in; people who may not see a record get a 404 (we do not confirm it
exists); people who may see it but not change it get a 403. A refused request,
and every GET, leaves every core table (the audit log included) as it was; an
allowed POST redirects and writes its audit entry.
"""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve

from tests.conftest import PERSONAS
from tests.coverage import covered_elsewhere
from tests.page_support import (
    COORDINATOR_FORM,
    COORDINATOR_PAGE,
    DONE,
    OWN_FORM,
    OWN_PAGE,
    REDIRECT,
    Route,
    assert_page_permission,
    fill,
    outcomes,
)
from timebank.accounts.services.tokens import api_token_create
from timebank.accounts.urls import urlpatterns as account_pages
from timebank.earning.urls import urlpatterns as earning_pages
from timebank.spending.urls import urlpatterns as spending_pages
from timebank.training.services.records import background_check_add, training_record_add
from timebank.training.urls import urlpatterns as training_pages
from timebank.volunteers.services.profiles import consent_give
from timebank.volunteers.urls import urlpatterns as volunteer_pages

EVERYONE = outcomes(200)
EVERYONE_AND_ANONYMOUS = outcomes(200, anonymous=200)
VOLUNTEER_PAGE = outcomes(404, admin=200, coordinator=200, volunteer=REDIRECT)
VOLUNTEER_ACTION = outcomes(404, admin=DONE, coordinator=DONE, volunteer=403)
VOLUNTEER_AND_COORDINATORS = outcomes(404, admin=200, coordinator=200, volunteer=200)


def own_profile_data(**overrides) -> dict:
    data = {
        "full_name": "Same Person",
        "preferred_language": "en",
        "travel_km": "5",
        "slots-TOTAL_FORMS": "0",
        "slots-INITIAL_FORMS": "0",
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "21",
    }
    data.update(overrides)
    return data


ROUTES = [
    Route("home", "GET", "/", EVERYONE),
    Route("login", "GET", "/accounts/login/", EVERYONE_AND_ANONYMOUS),
    Route("password-reset", "GET", "/accounts/password_reset/", EVERYONE_AND_ANONYMOUS),
    Route(
        "logout",
        "POST",
        "/accounts/logout/",
        outcomes(DONE, anonymous=DONE),
        audited=False,
        lands_on="/accounts/login/",
    ),
    Route(
        "set-language",
        "POST",
        "/i18n/setlang/",
        outcomes(DONE, anonymous=DONE),
        {"language": "fr", "next": "/"},
        audited=False,
    ),
    # A volunteer's own pages.
    Route("my-profile", "GET", "/me/", OWN_PAGE),
    Route("my-profile-edit", "GET", "/me/edit/", OWN_PAGE),
    Route("my-profile-save", "POST", "/me/edit/", OWN_FORM, own_profile_data(phone="029 2000 9999")),
    Route("my-consent-give", "POST", "/me/consents/give/", OWN_FORM, {"purpose": "photos"}),
    Route("my-consent-withdraw", "POST", "/me/consents/{consent}/withdraw/", outcomes(404, volunteer=DONE)),
    Route("my-training", "GET", "/me/training/", OWN_PAGE),
    Route(
        "my-training-add", "POST", "/me/training/", OWN_FORM, {"course": "{induction}", "completed_on": "2025-01-10"}
    ),
    Route("my-qualifications", "GET", "/me/qualifications/", OWN_PAGE),
    # A programme's coordinators.
    Route("volunteer-list", "GET", "/programmes/tenants/volunteers/", COORDINATOR_PAGE),
    Route("register-form", "GET", "/programmes/tenants/volunteers/register/", COORDINATOR_PAGE),
    Route(
        "register",
        "POST",
        "/programmes/tenants/volunteers/register/",
        COORDINATOR_FORM,
        {"full_name": "Matrix Person", "role": "volunteer", "status": "applicant", "consent_to_record": "on"},
    ),
    Route("courses", "GET", "/programmes/tenants/courses/", COORDINATOR_PAGE),
    Route("course-create", "POST", "/programmes/tenants/courses/", COORDINATOR_FORM, {"name": "Matrix course"}),
    Route("check-kinds", "GET", "/programmes/tenants/checks/", COORDINATOR_PAGE),
    Route("check-kind-create", "POST", "/programmes/tenants/checks/", COORDINATOR_FORM, {"name": "Matrix check"}),
    Route(
        "other-programme-list",
        "GET",
        "/programmes/family-mentors/volunteers/",
        outcomes(404, admin=200, other_programme_coordinator=200),
    ),
    # One volunteer, for their coordinators.
    Route("volunteer-page", "GET", "/volunteers/{volunteer}/", VOLUNTEER_PAGE),
    Route("volunteer-edit-form", "GET", "/volunteers/{volunteer}/edit/", VOLUNTEER_PAGE),
    Route(
        "volunteer-edit",
        "POST",
        "/volunteers/{volunteer}/edit/",
        VOLUNTEER_ACTION,
        own_profile_data(full_name="Vera Volunteer", phone="029 2000 9999"),
    ),
    Route(
        "membership-status",
        "POST",
        "/volunteers/{volunteer}/memberships/{membership}/status/",
        VOLUNTEER_ACTION,
        {"membership-{membership}-status": "paused"},
    ),
    Route("consent-give", "POST", "/volunteers/{volunteer}/consents/give/", VOLUNTEER_ACTION, {"purpose": "photos"}),
    Route("consent-withdraw", "POST", "/volunteers/{volunteer}/consents/{consent}/withdraw/", VOLUNTEER_ACTION),
    Route("training-form", "GET", "/volunteers/{volunteer}/training/add/", VOLUNTEER_PAGE),
    Route(
        "training-add",
        "POST",
        "/volunteers/{volunteer}/training/add/",
        VOLUNTEER_ACTION,
        {"course": "{induction}", "completed_on": "2025-01-10"},
    ),
    Route("training-verify", "POST", "/volunteers/{volunteer}/training/{record}/verify/", VOLUNTEER_ACTION),
    Route(
        "training-evidence", "GET", "/volunteers/{volunteer}/training/{record}/evidence/", VOLUNTEER_AND_COORDINATORS
    ),
    Route("check-form", "GET", "/volunteers/{volunteer}/checks/add/", VOLUNTEER_PAGE),
    Route(
        "check-add",
        "POST",
        "/volunteers/{volunteer}/checks/add/",
        VOLUNTEER_ACTION,
        {"check_type": "{dbs}", "issued_on": "2025-01-10"},
    ),
    Route("check-verify", "POST", "/volunteers/{volunteer}/checks/{check}/verify/", VOLUNTEER_ACTION),
    Route("card", "GET", "/volunteers/{volunteer}/card.pdf", VOLUNTEER_AND_COORDINATORS),
    # Everyone signed in: their own API tokens.
    Route("tokens", "GET", "/account/tokens/", EVERYONE),
    Route("token-create", "POST", "/account/tokens/", outcomes(DONE), {"name": "matrix"}),
    Route("token-revoke", "POST", "/account/tokens/{token}/revoke/", outcomes(404, volunteer=DONE)),
]


@pytest.fixture
def world(every_persona, coordinator, volunteer, other_volunteer, catalogue, settings, tmp_path, today):
    """Every persona, plus records of `volunteer` to act on: their own unverified
    training with evidence, an unverified check, a consent, an API token."""
    settings.MEDIA_ROOT = tmp_path
    evidence = SimpleUploadedFile("certificate.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    record = training_record_add(
        actor=volunteer.user, volunteer=volunteer, course=catalogue["induction"], completed_on=today, evidence=evidence
    )
    check = background_check_add(actor=coordinator, volunteer=volunteer, check_type=catalogue["dbs"], issued_on=today)
    consent = consent_give(actor=volunteer.user, volunteer=volunteer, purpose="contact_email")
    token, _ = api_token_create(actor=volunteer.user, name="script")
    return SimpleNamespace(
        volunteer=volunteer.pk,
        membership=volunteer.user.memberships.get().pk,
        record=record.pk,
        check=check.pk,
        consent=consent.pk,
        token=token.pk,
        induction=catalogue["induction"].pk,
        dbs=catalogue["dbs"].pk,
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_permission_matrix(client_as, world, route: Route, persona: str):
    assert_page_permission(client_as(persona), route, route.expected[persona], world)


def test_every_page_url_is_in_the_matrix():
    """A page of accounts, volunteers, training, earning or spending without a row here fails this test."""
    placeholders = SimpleNamespace(
        **dict.fromkeys(["volunteer", "membership", "record", "check", "consent", "token", "induction", "dbs"], 1)
    )
    tried = {resolve(fill(route.path, placeholders)).url_name for route in ROUTES}
    pages = [*account_pages, *volunteer_pages, *training_pages, *earning_pages, *spending_pages]
    missing = ({pattern.name for pattern in pages} | {"home"}) - tried - covered_elsewhere("COVERED_PAGES")
    assert not missing, f"no permission matrix covers {sorted(missing)}: add rows, or see tests/coverage.py"


def test_a_refused_page_says_why(client_for, funder, volunteer):
    response = client_for(funder).get("/programmes/tenants/volunteers/")
    assert response.status_code == 403
    assert "Only a coordinator of Tenants&#x27; time credits may see this page." in response.content.decode()
    assert "Nothing was changed." in response.content.decode()
