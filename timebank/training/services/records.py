"""Course catalogues, training records and background checks."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.accounts.models import Programme, Role, User
from timebank.accounts.permissions import can_coordinate, require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.common.dates import add_months
from timebank.training.models import BackgroundCheck, CheckType, Course, RoleRequirement, TrainingRecord, VerifiedRecord
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.permissions import volunteer_programme_ids

EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png"}
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if len(name) > 200:
        raise ValidationError({"name": [_("Use 200 characters or fewer.")]})
    return name


def _clean_validity(validity_months) -> int | None:
    if validity_months in (None, ""):
        return None
    # bool is an int in Python: True must not pass as "1 month".
    if isinstance(validity_months, bool) or not isinstance(validity_months, int) or not 1 <= validity_months <= 240:
        raise ValidationError({"validity_months": [_("Give a number of months from 1 to 240, or leave it empty.")]})
    return validity_months


@transaction.atomic
def course_create(
    *, actor: User, programme: Programme, name: str, validity_months: int | None = None, description: str = ""
) -> Course:
    require_coordinator(actor, programme)
    name, validity_months = _clean_name(name), _clean_validity(validity_months)
    if Course.objects.filter(programme=programme, name__iexact=name).exists():
        raise ValidationError({"name": [_("The programme already has a course with this name.")]})
    course = Course.objects.create(
        programme=programme, name=name, validity_months=validity_months, description=description.strip()
    )
    audit_record(actor=actor, action="course.create", target=course, programme=programme, changes={"name": name})
    return course


@transaction.atomic
def check_type_create(
    *,
    actor: User,
    programme: Programme,
    name: str,
    validity_months: int | None = None,
    covers_children: bool = False,
    covers_vulnerable_adults: bool = False,
) -> CheckType:
    require_coordinator(actor, programme)
    name, validity_months = _clean_name(name), _clean_validity(validity_months)
    if CheckType.objects.filter(programme=programme, name__iexact=name).exists():
        raise ValidationError({"name": [_("The programme already has a check with this name.")]})
    check_type = CheckType.objects.create(
        programme=programme,
        name=name,
        validity_months=validity_months,
        covers_children=covers_children,
        covers_vulnerable_adults=covers_vulnerable_adults,
    )
    audit_record(
        actor=actor, action="check_type.create", target=check_type, programme=programme, changes={"name": name}
    )
    return check_type


@transaction.atomic
def role_requirement_add(
    *, actor: User, programme: Programme, role: str, course: Course | None = None, check_type: CheckType | None = None
) -> RoleRequirement:
    """Make a course or a check a requirement of a role in a programme."""
    require_coordinator(actor, programme)
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose a role from the list.")]})
    if (course is None) == (check_type is None):
        raise ValidationError({"course": [_("Name either a course or a background check.")]})
    owner = course or check_type
    if owner.programme_id != programme.id:
        raise ValidationError({"course": [_("Choose from this programme's catalogue.")]})
    requirement, created = RoleRequirement.objects.get_or_create(
        programme=programme, role=role, course=course, check_type=check_type
    )
    if created:
        audit_record(
            actor=actor,
            action="requirement.add",
            target=requirement,
            programme=programme,
            changes={"role": role, "of": str(owner)},
        )
    return requirement


def _clean_evidence(evidence: UploadedFile | None) -> None:
    if evidence is None:
        return
    if evidence.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": [_("The file must be 5 MB or smaller.")]})
    content_type = getattr(evidence, "content_type", "") or ""
    if content_type not in EVIDENCE_TYPES:
        raise ValidationError({"evidence": [_("Upload a PDF, JPEG or PNG file.")]})


def _require_recordable(
    actor: User, volunteer: VolunteerProfile, programme: Programme, *, self_allowed: bool, field: str = "course"
) -> None:
    """Coordinators of the programme may record for its volunteers; a volunteer may
    record their own training (unverified) when self_allowed."""
    is_self = volunteer.user_id == actor.id
    if not (can_coordinate(actor, programme) or (self_allowed and is_self)):
        raise PermissionDenied(_("Only a coordinator of %(programme)s may do this.") % {"programme": programme})
    if programme.id not in volunteer_programme_ids(volunteer):
        raise ValidationError({field: [_("The volunteer does not give time to this programme.")]})


@transaction.atomic
def training_record_add(
    *,
    actor: User,
    volunteer: VolunteerProfile,
    course: Course,
    completed_on: dt.date,
    evidence: UploadedFile | None = None,
    note: str = "",
    verify: bool = False,
) -> TrainingRecord:
    """Record a completed course; the expiry follows from the course's validity.

    A volunteer may record their own training; it counts once a coordinator
    verifies it. A coordinator may record and verify in one step.
    """
    _require_recordable(actor, volunteer, course.programme, self_allowed=True)
    if not isinstance(completed_on, dt.date):
        raise ValidationError({"completed_on": [_("Enter a date.")]})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": [_("The completion date cannot be in the future.")]})
    if completed_on.year < 1950:
        raise ValidationError({"completed_on": [_("Enter a date after 1950.")]})
    if len(note) > 300:
        raise ValidationError({"note": [_("Use 300 characters or fewer.")]})
    _clean_evidence(evidence)
    if verify and not can_coordinate(actor, course.programme):
        raise PermissionDenied(_("Only a coordinator may verify training."))
    expires_on = add_months(completed_on, course.validity_months) if course.validity_months else None
    record = _record_create(
        TrainingRecord,
        actor=actor,
        verify=verify,
        volunteer=volunteer,
        course=course,
        completed_on=completed_on,
        expires_on=expires_on,
        note=note.strip(),
    )
    if evidence is not None:
        record.evidence.save(evidence.name, evidence, save=True)
    audit_record(
        actor=actor,
        action="training.record",
        target=record,
        programme=course.programme,
        changes={"course": course.name, "completed_on": completed_on, "expires_on": expires_on, "verified": verify},
    )
    return record


@transaction.atomic
def training_record_verify(*, actor: User, record: TrainingRecord) -> TrainingRecord:
    """Mark a training record as checked by a coordinator. Verifying twice changes nothing."""
    return _verify(actor=actor, record=record, programme=record.course.programme, action="training.verify")


@transaction.atomic
def background_check_add(
    *,
    actor: User,
    volunteer: VolunteerProfile,
    check_type: CheckType,
    issued_on: dt.date,
    expires_on: dt.date | None = None,
    reference: str = "",
    verify: bool = False,
) -> BackgroundCheck:
    """Record a background check seen by a coordinator.

    The expiry is the one on the certificate when given, else the check type's
    validity from the issue date, else none.
    """
    _require_recordable(actor, volunteer, check_type.programme, self_allowed=False, field="check_type")
    errors: dict[str, list[str]] = {}
    if not isinstance(issued_on, dt.date):
        errors["issued_on"] = [_("Enter a date.")]
    elif issued_on > timezone.localdate():
        errors["issued_on"] = [_("The issue date cannot be in the future.")]
    if expires_on is not None and isinstance(issued_on, dt.date) and expires_on <= issued_on:
        errors["expires_on"] = [_("The expiry date must be after the issue date.")]
    reference = (reference or "").strip()
    if len(reference) > 100:
        errors["reference"] = [_("Use 100 characters or fewer.")]
    if errors:
        raise ValidationError(errors)
    if expires_on is None and check_type.validity_months:
        expires_on = add_months(issued_on, check_type.validity_months)
    check = _record_create(
        BackgroundCheck,
        actor=actor,
        verify=verify,
        volunteer=volunteer,
        check_type=check_type,
        issued_on=issued_on,
        expires_on=expires_on,
        reference=reference,
    )
    audit_record(
        actor=actor,
        action="check.record",
        target=check,
        programme=check_type.programme,
        changes={"kind": check_type.name, "issued_on": issued_on, "expires_on": expires_on, "verified": verify},
    )
    return check


@transaction.atomic
def background_check_verify(*, actor: User, check: BackgroundCheck) -> BackgroundCheck:
    """Mark a background check as seen by a coordinator. Verifying twice changes nothing."""
    return _verify(actor=actor, record=check, programme=check.check_type.programme, action="check.verify")


def _record_create(model: type[VerifiedRecord], *, actor: User, verify: bool, **fields) -> VerifiedRecord:
    """A training record or background check as recorded by `actor`: verified at once when
    `verify` (the caller has checked that the actor may), else waiting for a coordinator."""
    return model.objects.create(
        **fields,
        recorded_by=actor,
        verified_by=actor if verify else None,
        verified_at=timezone.now() if verify else None,
    )


def _verify(*, actor: User, record: VerifiedRecord, programme: Programme, action: str):
    require_coordinator(actor, programme)
    # Re-read under a lock so two coordinators verifying at once write one audit entry.
    record = type(record).objects.select_for_update(no_key=True).get(pk=record.pk)
    if record.verified_at is None:
        record.verified_by, record.verified_at = actor, timezone.now()
        record.save(update_fields=["verified_by", "verified_at"])
        audit_record(actor=actor, action=action, target=record, programme=programme)
    return record
