"""The Django admin: for administrators only; setup changes are audited; people's records read-only."""

import pytest

from timebank.accounts.models import AuditEntry, Programme


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/accounts/programme/",
        "/admin/accounts/membership/",
        "/admin/volunteers/volunteerprofile/",
        "/admin/accounts/auditentry/",
        "/admin/earning/hoursclaim/",
        "/admin/earning/activity/",
        "/admin/spending/voucher/",
        "/admin/spending/gift/",
        "/admin/spending/redemption/",
    ],
)
def test_admin_pages_open_for_the_administrator(admin, programme, volunteer, client_for, path):
    assert client_for(admin).get(path).status_code == 200


@pytest.mark.parametrize("persona", ["coordinator", "volunteer_user", "funder", "partner", "outsider"])
def test_admin_is_closed_to_everyone_else(request, persona, programme, volunteer, client_for):
    user = volunteer.user if persona == "volunteer_user" else request.getfixturevalue(persona)
    response = client_for(user).get("/admin/accounts/programme/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_changing_a_programme_in_the_admin_is_audited(admin, programme, client_for):
    before = AuditEntry.objects.count()
    response = client_for(admin).post(
        f"/admin/accounts/programme/{programme.pk}/change/",
        {
            "organisation": programme.organisation_id,
            "name": "Tenants' time credits (Cardiff)",
            "slug": programme.slug,
            "description": "",
            "hourly_value_0": "14.00",
            "hourly_value_1": "GBP",
            "auto_approve_max_minutes": "0",
            "credit_expiry_policy": "never",
            "credit_expiry_months": "",
            "mentorship_default_months": "6",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    programme.refresh_from_db()
    assert programme.name == "Tenants' time credits (Cardiff)"
    entry = AuditEntry.objects.latest("id")
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.actor, entry.target_id) == ("admin.change", admin, programme.pk)
    assert "name" in entry.changes


def test_volunteer_records_cannot_be_edited_in_the_admin(admin, volunteer, client_for):
    response = client_for(admin).post(
        f"/admin/volunteers/volunteerprofile/{volunteer.pk}/change/", {"full_name": "Changed behind the services"}
    )
    assert response.status_code == 403
    volunteer.refresh_from_db()
    assert volunteer.full_name == "Vera Volunteer"
    assert Programme.objects.count() == 1


def test_an_administrator_sets_a_programmes_matching_weights_and_it_is_audited(admin, programme, client_for):
    from matching.evaluate import programme_weights

    response = client_for(admin).post(
        "/admin/matching/matchingweights/add/",
        {
            "programme": programme.pk,
            "skills": 0,
            "languages": 50,
            "distance": 10,
            "availability": 10,
            "topics": 10,
            "continuity": 10,
            "load": 10,
        },
    )

    assert response.status_code == 302
    assert programme_weights(programme)["languages"] == 50
    assert AuditEntry.objects.filter(action="admin.add", target_type="matching.matchingweights").exists()


def test_weights_that_are_all_zero_are_refused(admin, programme, client_for):
    from matching.models import MatchingWeights

    response = client_for(admin).post(
        "/admin/matching/matchingweights/add/",
        {
            "programme": programme.pk,
            **dict.fromkeys(["skills", "languages", "distance", "availability", "topics", "continuity", "load"], 0),
        },
    )

    assert response.status_code == 200 and not MatchingWeights.objects.exists()


@pytest.mark.parametrize("path", ["/admin/earning/hoursclaim/add/", "/admin/spending/voucher/add/"])
def test_what_moves_credits_cannot_be_added_in_the_admin(admin, client_for, path):
    assert client_for(admin).get(path).status_code == 403
