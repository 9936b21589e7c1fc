"""Training services: the course catalogue, role requirements, training records and background checks."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.assertions import assert_audited, errors_of, last_audit, unchanged, user_of
from timebank.accounts.models import Role
from timebank.training.models import BackgroundCheck, RoleRequirement, TrainingRecord
from timebank.training.services.records import (
    EVIDENCE_MAX_BYTES,
    background_check_add,
    background_check_verify,
    check_type_create,
    course_create,
    role_requirement_add,
    training_record_add,
    training_record_verify,
)

D = dt.date
NOT_COORDINATORS = ["volunteer", "mentor", "other_programme_coordinator", "funder", "partner", "outsider"]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files(settings) -> list:
    return sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) if settings.MEDIA_ROOT.exists() else []


@pytest.fixture
def safeguarding(other_programme_coordinator, other_programme):
    """A course in the other organisation's catalogue."""
    return course_create(actor=other_programme_coordinator, programme=other_programme, name="Safeguarding")


@pytest.fixture
def fuehrungszeugnis(other_programme_coordinator, other_programme):
    return check_type_create(
        actor=other_programme_coordinator, programme=other_programme, name="Führungszeugnis", validity_months=60
    )


# --- Catalogue --------------------------------------------------------------------------


def test_coordinator_adds_a_course_to_the_catalogue(coordinator, programme):
    course = course_create(
        actor=coordinator, programme=programme, name=" Food hygiene ", validity_months=24, description="Level 2 "
    )
    assert (course.name, course.validity_months, course.description, course.programme) == (
        "Food hygiene",
        24,
        "Level 2",
        programme,
    )
    entry = last_audit()
    assert_audited(entry, action="course.create", actor=coordinator, target=course)
    assert entry.programme == programme


def test_coordinator_adds_a_kind_of_background_check(coordinator, programme):
    check_type = check_type_create(
        actor=coordinator, programme=programme, name="Basic DBS", validity_months=12, covers_vulnerable_adults=True
    )
    assert (check_type.validity_months, check_type.covers_children, check_type.covers_vulnerable_adults) == (
        12,
        False,
        True,
    )
    assert_audited(last_audit(), action="check_type.create", actor=coordinator, target=check_type)


@pytest.mark.parametrize("persona", NOT_COORDINATORS)
def test_only_coordinators_extend_the_catalogue(request, persona, programme, catalogue):
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        course_create(actor=actor, programme=programme, name="Food hygiene")
    with unchanged(), pytest.raises(PermissionDenied):
        check_type_create(actor=actor, programme=programme, name="Basic DBS")
    with unchanged(), pytest.raises(PermissionDenied):
        role_requirement_add(actor=actor, programme=programme, role=Role.VOLUNTEER, check_type=catalogue["dbs"])


@pytest.mark.parametrize("create", [course_create, check_type_create], ids=["course", "check type"])
@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"name": "  "}, "name", id="no name"),
        pytest.param({"name": "x" * 201}, "name", id="name too long"),
        pytest.param({"validity_months": 0}, "validity_months", id="zero months"),
        pytest.param({"validity_months": 241}, "validity_months", id="over 20 years"),
        pytest.param({"validity_months": "12"}, "validity_months", id="months not a number"),
        pytest.param({"validity_months": True}, "validity_months", id="months given as true"),
    ],
)
def test_bad_catalogue_entry_names_the_field(coordinator, programme, create, bad, field):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        create(actor=coordinator, programme=programme, **{"name": "Food hygiene", **bad})
    assert field in errors_of(excinfo)


def test_catalogue_names_are_unique_per_programme_whatever_the_case(coordinator, programme, catalogue):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        course_create(actor=coordinator, programme=programme, name="FIRST AID")
    assert "name" in errors_of(excinfo)
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        check_type_create(actor=coordinator, programme=programme, name="enhanced dbs")
    assert "name" in errors_of(excinfo)


def test_another_programme_may_use_the_same_course_name(other_programme_coordinator, other_programme, catalogue):
    assert course_create(actor=other_programme_coordinator, programme=other_programme, name="First aid")


def test_a_requirement_is_added_once(coordinator, programme, catalogue):
    requirement = role_requirement_add(
        actor=coordinator, programme=programme, role=Role.MENTOR, course=catalogue["first_aid"]
    )
    entry = last_audit()
    assert_audited(entry, action="requirement.add", actor=coordinator, target=requirement)
    assert entry.changes == {"role": "mentor", "of": "First aid"}
    with unchanged():
        again = role_requirement_add(
            actor=coordinator, programme=programme, role=Role.MENTOR, course=catalogue["first_aid"]
        )
    assert again == requirement


def test_bad_requirements_name_the_field(coordinator, programme, catalogue, safeguarding):
    cases = [
        ({"role": "chef", "course": catalogue["first_aid"]}, "role"),
        ({"role": Role.MENTOR}, "course"),
        ({"role": Role.MENTOR, "course": catalogue["first_aid"], "check_type": catalogue["dbs"]}, "course"),
        ({"role": Role.MENTOR, "course": safeguarding}, "course"),
    ]
    for arguments, field in cases:
        with unchanged(), pytest.raises(ValidationError) as excinfo:
            role_requirement_add(actor=coordinator, programme=programme, **arguments)
        assert field in errors_of(excinfo), arguments
    assert not RoleRequirement.objects.filter(role=Role.MENTOR, course__isnull=False).exists()


# --- Training records -------------------------------------------------------------------


def test_coordinator_records_and_verifies_training_with_evidence(settings, coordinator, volunteer, catalogue):
    evidence = SimpleUploadedFile("first-aid.pdf", PDF, content_type="application/pdf")
    record = training_record_add(
        actor=coordinator,
        volunteer=volunteer,
        course=catalogue["first_aid"],
        completed_on=D(2024, 5, 4),
        evidence=evidence,
        note=" St John Ambulance ",
        verify=True,
    )
    record.refresh_from_db()
    assert (record.expires_on, record.note, record.recorded_by, record.verified_by) == (
        D(2027, 5, 4),
        "St John Ambulance",
        coordinator,
        coordinator,
    )
    assert record.is_verified
    assert record.evidence.name.startswith("evidence/training/")
    assert record.evidence.read() == PDF
    entry = last_audit()
    assert_audited(entry, action="training.record", actor=coordinator, target=record)
    assert entry.changes == {
        "course": "First aid",
        "completed_on": "2024-05-04",
        "expires_on": "2027-05-04",
        "verified": True,
    }
    assert len(stored_files(settings)) == 1


def test_a_volunteer_records_their_own_training_and_a_coordinator_verifies_it(coordinator, volunteer, catalogue):
    record = training_record_add(
        actor=volunteer.user, volunteer=volunteer, course=catalogue["induction"], completed_on=timezone.localdate()
    )
    assert (record.is_verified, record.expires_on, record.recorded_by) == (False, None, volunteer.user)
    assert_audited(last_audit(), action="training.record", actor=volunteer.user, target=record)

    training_record_verify(actor=coordinator, record=record)
    record.refresh_from_db()
    assert (record.verified_by, record.is_verified) == (coordinator, True)
    assert_audited(last_audit(), action="training.verify", actor=coordinator, target=record)

    with unchanged():
        training_record_verify(actor=coordinator, record=record)


def test_a_volunteer_may_not_verify_their_own_training(volunteer, catalogue):
    with unchanged(), pytest.raises(PermissionDenied):
        training_record_add(
            actor=volunteer.user,
            volunteer=volunteer,
            course=catalogue["induction"],
            completed_on=D(2024, 1, 1),
            verify=True,
        )
    record = training_record_add(
        actor=volunteer.user, volunteer=volunteer, course=catalogue["induction"], completed_on=D(2024, 1, 1)
    )
    with unchanged(), pytest.raises(PermissionDenied):
        training_record_verify(actor=volunteer.user, record=record)


@pytest.mark.parametrize("persona", ["mentor", "other_programme_coordinator", "funder", "partner", "outsider"])
def test_others_may_not_record_or_verify_a_volunteers_training(request, persona, volunteer, catalogue):
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        training_record_add(actor=actor, volunteer=volunteer, course=catalogue["first_aid"], completed_on=D(2024, 1, 1))
    record = training_record_add(
        actor=volunteer.user, volunteer=volunteer, course=catalogue["first_aid"], completed_on=D(2024, 1, 1)
    )
    with unchanged(), pytest.raises(PermissionDenied):
        training_record_verify(actor=actor, record=record)


def test_a_coordinator_may_not_record_another_programmes_course(coordinator, volunteer, safeguarding):
    with unchanged(), pytest.raises(PermissionDenied):
        training_record_add(actor=coordinator, volunteer=volunteer, course=safeguarding, completed_on=D(2024, 1, 1))


def test_a_course_of_a_programme_the_volunteer_is_not_in_is_refused(admin, volunteer, safeguarding):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        training_record_add(actor=admin, volunteer=volunteer, course=safeguarding, completed_on=D(2024, 1, 1))
    assert "course" in errors_of(excinfo)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"completed_on": D(2099, 1, 1)}, "completed_on", id="in the future"),
        pytest.param({"completed_on": "2024-01-01"}, "completed_on", id="not a date"),
        pytest.param({"completed_on": D(1949, 12, 31)}, "completed_on", id="before 1950"),
        pytest.param({"note": "x" * 301}, "note", id="note too long"),
        pytest.param(
            {
                "evidence": SimpleUploadedFile(
                    "big.pdf", b"0" * (EVIDENCE_MAX_BYTES + 1), content_type="application/pdf"
                )
            },
            "evidence",
            id="evidence too big",
        ),
        pytest.param(
            {"evidence": SimpleUploadedFile("cert.docx", b"PK\x03\x04", content_type="application/msword")},
            "evidence",
            id="evidence of the wrong type",
        ),
        pytest.param(
            {"evidence": SimpleUploadedFile("run.sh", b"#!/bin/sh\n", content_type="text/x-shellscript")},
            "evidence",
            id="evidence a script",
        ),
    ],
)
def test_bad_training_record_names_the_field_and_stores_nothing(
    settings, coordinator, volunteer, catalogue, bad, field
):
    given = {"completed_on": D(2024, 1, 1), **bad}
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        training_record_add(actor=coordinator, volunteer=volunteer, course=catalogue["first_aid"], verify=True, **given)
    assert field in errors_of(excinfo)
    assert stored_files(settings) == []


def test_evidence_of_exactly_the_limit_is_accepted(coordinator, volunteer, catalogue):
    evidence = SimpleUploadedFile("scan.png", b"\x89PNG" + b"0" * (EVIDENCE_MAX_BYTES - 4), content_type="image/png")
    record = training_record_add(
        actor=coordinator,
        volunteer=volunteer,
        course=catalogue["first_aid"],
        completed_on=D(2024, 1, 1),
        evidence=evidence,
    )
    assert record.evidence.size == EVIDENCE_MAX_BYTES


# --- Background checks ------------------------------------------------------------------


def test_coordinator_records_a_background_check_and_verifies_it(coordinator, mentor, catalogue):
    check = background_check_add(
        actor=coordinator,
        volunteer=mentor,
        check_type=catalogue["dbs"],
        issued_on=D(2024, 9, 30),
        reference=" 0012 3456 7890 ",
    )
    assert (check.expires_on, check.reference, check.is_verified) == (D(2027, 9, 30), "0012 3456 7890", False)
    entry = last_audit()
    assert_audited(entry, action="check.record", actor=coordinator, target=check)
    assert entry.changes == {
        "kind": "Enhanced DBS",
        "issued_on": "2024-09-30",
        "expires_on": "2027-09-30",
        "verified": False,
    }

    background_check_verify(actor=coordinator, check=check)
    check.refresh_from_db()
    assert (check.verified_by, check.is_verified) == (coordinator, True)
    assert_audited(last_audit(), action="check.verify", actor=coordinator, target=check)
    with unchanged():
        background_check_verify(actor=coordinator, check=check)


@pytest.mark.parametrize("persona", NOT_COORDINATORS)
def test_only_coordinators_record_and_verify_checks(request, persona, coordinator, mentor, catalogue):
    """No volunteer may record a check, not even the mentor their own: a coordinator must see the certificate."""
    actor = user_of(request, persona)
    with unchanged(), pytest.raises(PermissionDenied):
        background_check_add(actor=actor, volunteer=mentor, check_type=catalogue["dbs"], issued_on=D(2024, 1, 1))
    check = background_check_add(
        actor=coordinator, volunteer=mentor, check_type=catalogue["dbs"], issued_on=D(2024, 1, 1)
    )
    with unchanged(), pytest.raises(PermissionDenied):
        background_check_verify(actor=actor, check=check)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"issued_on": D(2099, 1, 1)}, "issued_on", id="issued in the future"),
        pytest.param({"issued_on": "2024-01-01"}, "issued_on", id="issue date not a date"),
        pytest.param({"expires_on": D(2023, 12, 31)}, "expires_on", id="expires before issue"),
        pytest.param({"expires_on": D(2024, 1, 1)}, "expires_on", id="expires on the issue day"),
        pytest.param({"reference": "x" * 101}, "reference", id="reference too long"),
    ],
)
def test_bad_background_check_names_the_field(coordinator, mentor, catalogue, bad, field):
    given = {"issued_on": D(2024, 1, 1), **bad}
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        background_check_add(actor=coordinator, volunteer=mentor, check_type=catalogue["dbs"], **given)
    assert field in errors_of(excinfo)


def test_a_check_kind_of_a_programme_the_volunteer_is_not_in_is_refused(admin, mentor, fuehrungszeugnis):
    with unchanged(), pytest.raises(ValidationError) as excinfo:
        background_check_add(actor=admin, volunteer=mentor, check_type=fuehrungszeugnis, issued_on=D(2024, 1, 1))
    assert "check_type" in errors_of(excinfo)


def test_the_database_refuses_an_expiry_before_the_completion(coordinator, volunteer, catalogue):
    """The services check it; the constraint is there for anything that bypasses them."""
    from django.db import IntegrityError, transaction

    with transaction.atomic(), pytest.raises(IntegrityError):
        TrainingRecord.objects.create(
            volunteer=volunteer,
            course=catalogue["first_aid"],
            completed_on=D(2024, 1, 1),
            expires_on=D(2023, 1, 1),
            recorded_by=coordinator,
        )
    with transaction.atomic(), pytest.raises(IntegrityError):
        BackgroundCheck.objects.create(
            volunteer=volunteer,
            check_type=catalogue["dbs"],
            issued_on=D(2024, 1, 1),
            expires_on=D(2024, 1, 1),
            recorded_by=coordinator,
        )
