"""Registering volunteers, keeping their profile, consents and availability."""

import datetime as dt
import re
import uuid

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.accounts.models import MembershipStatus, Programme, Role, User
from timebank.accounts.permissions import VOLUNTEERING_ROLES, coordinated_programme_ids, is_admin, require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.accounts.services.people import (
    membership_open,
    person_account_open,
    person_email_set,
    person_name_set,
    person_username_offer,
)
from timebank.common.languages import LANGUAGE_NAMES
from timebank.volunteers.models import (
    AvailabilitySlot,
    Consent,
    ConsentPurpose,
    Skill,
    VolunteerLanguage,
    VolunteerProfile,
)
from timebank.volunteers.permissions import can_set_email, require_manage_volunteer, volunteer_programme_ids

# Fields a volunteer may change on their own profile; coordinators may change these too.
PROFILE_FIELDS = (
    "full_name",
    "preferred_name",
    "phone",
    "postal_address",
    "preferred_language",
    "skill_tags",
    "interests",
    "place_name",
    "latitude",
    "longitude",
    "travel_km",
    "willing_children",
    "willing_vulnerable_adults",
    "willing_home_visits",
    "max_mentees",
    "max_hours_per_week",
    "gender",
    "emergency_contact_name",
    "emergency_contact_phone",
)
PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{6,24}$")
# Caps on list fields, so one request cannot store an unbounded profile.
MAX_TAGS = 30
MAX_LANGUAGES = 20
MAX_SLOTS = 28


def membership_number_for(sequence: int) -> str:
    """'TB' + six digits + a Luhn check digit, so a mistyped number at a till is caught."""
    digits = f"{sequence:06d}"
    return f"TB{digits}{_luhn_digit(digits)}"


def membership_number_is_valid(number: str) -> bool:
    number = number.strip().upper().replace(" ", "").replace("-", "")
    return bool(re.fullmatch(r"TB\d{7}", number)) and _luhn_digit(number[2:-1]) == int(number[-1])


def _luhn_digit(digits: str) -> int:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def _clean_profile(data: dict, instance: VolunteerProfile) -> dict:
    """Validate profile fields with the model's own field rules plus ours.

    Raises ValidationError mapping each bad field to its rule.
    """
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for name, value in data.items():
        if name not in PROFILE_FIELDS:
            errors.setdefault(name, []).append(_("This field cannot be changed here."))
            continue
        field = VolunteerProfile._meta.get_field(name)
        if isinstance(value, str):
            value = value.strip()
        try:
            cleaned[name] = field.clean(value, instance)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    if "full_name" in cleaned and not cleaned["full_name"]:
        errors.setdefault("full_name", []).append(_("Enter the person's name."))
    for name in ("phone", "emergency_contact_phone"):
        if cleaned.get(name) and not PHONE_RE.match(cleaned[name]):
            errors.setdefault(name, []).append(_("Enter a phone number of digits, spaces and an optional leading +."))
    if cleaned.get("preferred_language") and cleaned["preferred_language"] not in LANGUAGE_NAMES:
        errors.setdefault("preferred_language", []).append(_("Choose a language from the list."))
    for name in ("skill_tags", "interests"):
        if name in cleaned:
            tags = cleaned[name]
            if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t.strip()) <= 50 for t in tags):
                errors.setdefault(name, []).append(_("Give a list of words or short phrases (50 characters at most)."))
            elif len(tags) > MAX_TAGS:
                errors.setdefault(name, []).append(_("Give %(max)s items at most.") % {"max": MAX_TAGS})
            else:
                cleaned[name] = sorted({t.strip().lower() for t in tags})
    latitude = cleaned.get("latitude", instance.latitude if "longitude" in cleaned else None)
    longitude = cleaned.get("longitude", instance.longitude if "latitude" in cleaned else None)
    if ("latitude" in cleaned or "longitude" in cleaned) and (latitude is None) != (longitude is None):
        errors.setdefault("latitude", []).append(_("Give both latitude and longitude, or neither."))
    if latitude is not None and not -90 <= latitude <= 90:
        errors.setdefault("latitude", []).append(_("Latitude must be between -90 and 90."))
    if longitude is not None and not -180 <= longitude <= 180:
        errors.setdefault("longitude", []).append(_("Longitude must be between -180 and 180."))
    if cleaned.get("travel_km") is not None and cleaned["travel_km"] > 500:
        errors.setdefault("travel_km", []).append(_("Travel distance must be 500 km or less."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_email(email: str, user: User | None = None) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from None
    clash = User.objects.filter(email__iexact=email)
    if user is not None:
        clash = clash.exclude(pk=user.pk)
    if clash.exists():
        raise ValidationError({"email": [_("Another person already uses this e-mail address.")]})
    return email


def _clean_languages(codes) -> list[str]:
    if not isinstance(codes, (list, tuple)):
        raise ValidationError({"languages": [_("Give a list of language codes.")]})
    if len(codes) > MAX_LANGUAGES:
        raise ValidationError({"languages": [_("Give %(max)s languages at most.") % {"max": MAX_LANGUAGES}]})
    unknown = [c for c in codes if c not in LANGUAGE_NAMES]
    if unknown:
        raise ValidationError(
            {"languages": [_("Unknown language code: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}]}
        )
    return sorted(set(codes))


def _clean_skills(skill_ids, programme_ids: set[int]) -> list[Skill]:
    skills = list(Skill.objects.filter(pk__in=skill_ids, programme_id__in=programme_ids))
    if len(skills) != len(set(skill_ids)):
        raise ValidationError({"skills": [_("Choose skills from the programme's list.")]})
    return skills


def _clean_availability(slots) -> list[tuple[int, dt.time, dt.time]]:
    """Each slot is (weekday 0-6, start, end); slots on one day may not overlap."""
    if hasattr(slots, "__len__") and len(slots) > MAX_SLOTS:
        raise ValidationError({"availability": [_("Give %(max)s slots at most.") % {"max": MAX_SLOTS}]})
    cleaned = []
    try:
        for weekday, starts_at, ends_at in slots:
            if isinstance(starts_at, str):
                starts_at = dt.time.fromisoformat(starts_at)
            if isinstance(ends_at, str):
                ends_at = dt.time.fromisoformat(ends_at)
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError
            cleaned.append((weekday, starts_at, ends_at))
    except (TypeError, ValueError):
        raise ValidationError(
            {"availability": [_("Give each slot as a weekday (0 = Monday to 6 = Sunday), a start and an end time.")]}
        ) from None
    cleaned.sort()
    for index, (weekday, starts_at, ends_at) in enumerate(cleaned):
        if starts_at >= ends_at:
            raise ValidationError({"availability": [_("Each slot must start before it ends.")]})
        if index and cleaned[index - 1][0] == weekday and cleaned[index - 1][2] > starts_at:
            raise ValidationError({"availability": [_("Slots on the same day must not overlap.")]})
    return cleaned


@transaction.atomic
def volunteer_register(
    *,
    actor: User,
    programme: Programme,
    full_name: str,
    email: str = "",
    role: str = Role.VOLUNTEER,
    status: str = MembershipStatus.APPLICANT,
    consent_to_record: bool = False,
    password: str | None = None,
    username: str | None = None,
    languages: list[str] | None = None,
    skills: list[int] | None = None,
    availability: list | None = None,
    **profile,
) -> VolunteerProfile:
    """Register a person as a volunteer (or mentor) of a programme, on their behalf.

    People without e-mail get an account that cannot sign in; the coordinator acts
    for them and they use their membership number. The person's agreement that we
    keep their record is required and recorded as a consent.
    Raises PermissionDenied unless the actor coordinates the programme, and
    ValidationError naming each bad field; nothing is written in either case.
    """
    require_coordinator(actor, programme)
    errors: dict[str, list[str]] = {}
    if role not in VOLUNTEERING_ROLES:
        errors["role"] = [_("Register a volunteer or a mentor.")]
    if status not in MembershipStatus.values:
        errors["status"] = [_("Choose a status from the list.")]
    if not consent_to_record:
        errors["consent_to_record"] = [_("The person must agree that we keep their record before we register them.")]
    if username is not None and (not username.strip() or User.objects.filter(username__iexact=username).exists()):
        errors["username"] = [_("Choose another username; this one is taken or empty.")]
    if password:
        try:
            validate_password(password, User(username=username or "", email=email or ""))
        except ValidationError as exc:
            errors["password"] = exc.messages
    placeholder = VolunteerProfile()
    for step in (
        lambda: _clean_profile({"full_name": full_name, **profile}, placeholder),
        lambda: _clean_email(email),
        lambda: _clean_languages(languages or []),
        lambda: _clean_skills(skills or [], {programme.id}),
        lambda: _clean_availability(availability or []),
    ):
        try:
            step()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    cleaned = _clean_profile({"full_name": full_name, **profile}, placeholder)
    user = person_account_open(
        username=username or f"member-{uuid.uuid4().hex[:12]}",
        email=_clean_email(email),
        full_name=cleaned["full_name"],
        password=password or None,
    )
    volunteer = VolunteerProfile.objects.create(user=user, registered_by=actor, **cleaned)
    volunteer.membership_number = membership_number_for(volunteer.pk)
    volunteer.save(update_fields=["membership_number"])
    # The card number doubles as the username unless an account already took that
    # name (usernames are free text); the random placeholder then stays.
    if username is None:
        person_username_offer(user, volunteer.membership_number.lower())
    membership_open(user=user, programme=programme, role=role, status=status)
    VolunteerLanguage.objects.bulk_create(
        VolunteerLanguage(volunteer=volunteer, code=code) for code in _clean_languages(languages or [])
    )
    volunteer.skills.set(_clean_skills(skills or [], {programme.id}))
    _replace_availability(volunteer, _clean_availability(availability or []))
    Consent.objects.create(
        volunteer=volunteer,
        purpose=ConsentPurpose.DATA_PROCESSING,
        given_at=timezone.now(),
        recorded_by=actor,
        note=_("Recorded at registration"),
    )
    audit_record(
        actor=actor,
        action="volunteer.register",
        target=volunteer,
        programme=programme,
        changes={"full_name": volunteer.full_name, "role": role, "status": status, "email": bool(user.email)},
    )
    return volunteer


def _replace_availability(volunteer: VolunteerProfile, slots) -> None:
    volunteer.availability.all().delete()
    AvailabilitySlot.objects.bulk_create(
        AvailabilitySlot(volunteer=volunteer, weekday=w, starts_at=s, ends_at=e) for w, s, e in slots
    )


@transaction.atomic
def volunteer_update(
    *,
    actor: User,
    volunteer: VolunteerProfile,
    email: str | None = None,
    languages: list[str] | None = None,
    skills: list[int] | None = None,
    availability: list | None = None,
    reason: str = "",
    **profile,
) -> VolunteerProfile:
    """Change a volunteer's profile: the volunteer themselves or their coordinator.

    Only the arguments given are changed. A coordinator changes only the skills of
    the programmes they coordinate (the others stay as they are), and may set the
    e-mail address only where permissions.can_set_email allows. Raises
    PermissionDenied or ValidationError; nothing is written in either case.
    """
    if volunteer.user_id != actor.id:
        require_manage_volunteer(actor, volunteer)
    volunteer = VolunteerProfile.objects.select_for_update(no_key=True).get(pk=volunteer.pk)
    # Locked too: whether the person can sign in decides who may change their e-mail.
    volunteer.user = User.objects.select_for_update(no_key=True).get(pk=volunteer.user_id)
    skill_programme_ids = volunteer_programme_ids(volunteer)
    if volunteer.user_id != actor.id and not is_admin(actor):
        skill_programme_ids &= coordinated_programme_ids(actor)
    errors: dict[str, list[str]] = {}
    cleaned = {}
    checks = [("profile", lambda: _clean_profile(profile, volunteer))]
    if email is not None:
        checks.append(("email", lambda: _clean_email_change(actor, volunteer, email)))
    if languages is not None:
        checks.append(("languages", lambda: _clean_languages(languages)))
    if skills is not None:
        checks.append(("skills", lambda: _clean_skills(skills, skill_programme_ids)))
    if availability is not None:
        checks.append(("availability", lambda: _clean_availability(availability)))
    for key, check in checks:
        try:
            cleaned[key] = check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    changes = {}
    for name, value in cleaned["profile"].items():
        if getattr(volunteer, name) != value:
            changes[name] = [getattr(volunteer, name), value]
            setattr(volunteer, name, value)
    if changes:
        volunteer.save()
    if "email" in cleaned and cleaned["email"] != volunteer.user.email:
        changes["email"] = [volunteer.user.email, cleaned["email"]]
        person_email_set(volunteer.user, cleaned["email"])
    if "full_name" in changes:
        person_name_set(volunteer.user, volunteer.full_name)
    if "languages" in cleaned:
        before = sorted(volunteer.languages.values_list("code", flat=True))
        if before != cleaned["languages"]:
            changes["languages"] = [before, cleaned["languages"]]
            volunteer.languages.all().delete()
            VolunteerLanguage.objects.bulk_create(
                VolunteerLanguage(volunteer=volunteer, code=code) for code in cleaned["languages"]
            )
    if "skills" in cleaned:
        held = set(volunteer.skills.values_list("pk", "programme_id"))
        before = sorted(pk for pk, programme_id in held if programme_id in skill_programme_ids)
        after = sorted({skill.pk for skill in cleaned["skills"]})
        if before != after:
            # Only the part the actor may change goes in the audit entry, which
            # coordinators of the volunteer's other programmes see too.
            changes["skills"] = [before, after]
            kept = [pk for pk, programme_id in held if programme_id not in skill_programme_ids]
            volunteer.skills.set([*kept, *after])
    if "availability" in cleaned:
        held = sorted((slot.weekday, slot.starts_at, slot.ends_at) for slot in volunteer.availability.all())
        if held != cleaned["availability"]:
            changes["availability"] = [
                [w, s.isoformat("minutes"), e.isoformat("minutes")] for w, s, e in cleaned["availability"]
            ]
            _replace_availability(volunteer, cleaned["availability"])
    if changes:
        audit_record(actor=actor, action="volunteer.update", target=volunteer, reason=reason, changes=changes)
    return volunteer


def _clean_email_change(actor: User, volunteer: VolunteerProfile, email: str) -> str:
    cleaned = _clean_email(email, volunteer.user)
    if cleaned != volunteer.user.email and not can_set_email(actor, volunteer):
        raise ValidationError(
            {
                "email": [
                    _("Only the person can change this e-mail address: they sign in with it or hold another role here.")
                ]
            }
        )
    return cleaned


@transaction.atomic
def consent_give(*, actor: User, volunteer: VolunteerProfile, purpose: str, note: str = "") -> Consent:
    """Record a consent. Giving one that already stands changes nothing."""
    if volunteer.user_id != actor.id:
        require_manage_volunteer(actor, volunteer)
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": [_("Choose a purpose from the list.")]})
    VolunteerProfile.objects.select_for_update(no_key=True).get(pk=volunteer.pk)
    standing = volunteer.consents.filter(purpose=purpose, withdrawn_at__isnull=True).first()
    if standing:
        return standing
    consent = Consent.objects.create(
        volunteer=volunteer, purpose=purpose, given_at=timezone.now(), recorded_by=actor, note=note[:300]
    )
    audit_record(actor=actor, action="consent.give", target=consent, changes={"purpose": purpose})
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent, reason: str = "") -> Consent:
    """Withdraw a consent. Withdrawing the demographics consent erases the demographics."""
    volunteer = consent.volunteer
    if volunteer.user_id != actor.id:
        require_manage_volunteer(actor, volunteer)
    # The profile first, as volunteer_demographics_set does: whichever of the two
    # runs second sees the other's outcome, so demographics never outlive the consent.
    VolunteerProfile.objects.select_for_update(no_key=True).get(pk=volunteer.pk)
    consent = Consent.objects.select_for_update(no_key=True).get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ValidationError({"consent": [_("This consent was already withdrawn.")]})
    consent.withdrawn_at, consent.withdrawn_by = timezone.now(), actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    # Erase in the database, not from the copy we were handed: it may predate the demographics.
    if consent.purpose == ConsentPurpose.DEMOGRAPHICS:
        VolunteerProfile.objects.filter(pk=volunteer.pk).update(demographics={})
    audit_record(
        actor=actor, action="consent.withdraw", target=consent, reason=reason, changes={"purpose": consent.purpose}
    )
    return consent


DEMOGRAPHIC_KEYS = {"age_band", "gender", "ethnicity", "disability", "migrant"}


@transaction.atomic
def volunteer_demographics_set(*, actor: User, volunteer: VolunteerProfile, demographics: dict) -> VolunteerProfile:
    """Keep optional demographics, only while the person's demographics consent stands."""
    if volunteer.user_id != actor.id:
        require_manage_volunteer(actor, volunteer)
    # Locked before the consent is read; consent_withdraw takes the same lock first.
    volunteer = VolunteerProfile.objects.select_for_update(no_key=True).get(pk=volunteer.pk)
    if not volunteer.consents.filter(purpose=ConsentPurpose.DEMOGRAPHICS, withdrawn_at__isnull=True).exists():
        raise ValidationError({"demographics": [_("Record the person's consent to demographics first.")]})
    unknown = set(demographics) - DEMOGRAPHIC_KEYS
    if unknown:
        raise ValidationError({"demographics": [_("Unknown item: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}]})
    clean = {k: str(v)[:50] for k, v in demographics.items() if v not in (None, "")}
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(demographics=clean)
    volunteer.refresh_from_db()
    audit_record(actor=actor, action="volunteer.demographics", target=volunteer, changes={"keys": sorted(clean)})
    return volunteer
