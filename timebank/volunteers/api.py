from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from timebank.accounts.models import Membership, Programme
from timebank.accounts.permissions import is_admin
from timebank.accounts.schemas import MeOut
from timebank.accounts.selectors.programmes import programme_get
from timebank.accounts.selectors.roles import roles_of
from timebank.accounts.services.people import membership_status_change
from timebank.common.api import Pagination
from timebank.problems import READ_ERRORS, WRITE_ERRORS
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.schemas import (
    ConsentIn,
    ConsentOut,
    MembershipOut,
    ReasonIn,
    SkillOut,
    StatusChangeIn,
    VolunteerOut,
    VolunteerUpdateIn,
)
from timebank.volunteers.selectors.records import (
    consent_get,
    consents_for,
    memberships_for,
    skills_of,
    skills_shown,
    volunteer_membership,
)
from timebank.volunteers.selectors.volunteers import volunteer_get, volunteers_for
from timebank.volunteers.services.profiles import consent_give, consent_withdraw, volunteer_update

router = Router()


# Shared with the volunteer record operations of timebank/training/api.py.


def bad_reference(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def programme_in_input(user, slug: str, field: str = "programme") -> Programme:
    try:
        return programme_get(user, slug)
    except Programme.DoesNotExist:
        raise bad_reference(field, _("Choose a programme you hold a role in.")) from None


def volunteer_summary_records(user):
    """What the list schema reads, in a fixed number of queries however long the page."""
    return ("languages", Prefetch("user__memberships", queryset=memberships_for(user), to_attr="visible_memberships"))


def volunteer_for_output(user, volunteer: VolunteerProfile) -> VolunteerProfile:
    prefetch_related_objects([volunteer], *volunteer_summary_records(user), "skills", "availability")
    volunteer.visible_skills = skills_shown(user, volunteer)
    return volunteer


@router.get("/me", response={200: MeOut, 401: READ_ERRORS[401]}, tags=["me"], summary="Who am I")
def me(request):
    """The caller's account, the roles they hold in each programme, and their volunteer record's id if any."""
    user = request.auth
    programmes: dict[int, dict] = {}
    for role, held_in in roles_of(user).programmes.items():
        for programme in held_in:
            entry = programmes.setdefault(programme.id, {"slug": programme.slug, "name": programme.name, "roles": []})
            entry["roles"].append(role)
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "email": user.email,
        "is_admin": is_admin(user),
        "volunteer_id": volunteers_for(user).filter(user=user).values_list("id", flat=True).first(),
        "programmes": sorted(
            ({**p, "roles": sorted(p["roles"])} for p in programmes.values()), key=lambda p: p["name"]
        ),
    }


@router.get(
    "/programmes/{slug}/skills",
    response={200: list[SkillOut], **READ_ERRORS},
    tags=["catalogue"],
    summary="List the skills vocabulary",
)
@paginate(Pagination)
def skill_list(request, slug: str):
    return skills_of(programme_get(request.auth, slug))


@router.get(
    "/volunteers/{int:volunteer_id}",
    response={200: VolunteerOut, **READ_ERRORS},
    tags=["volunteers"],
    summary="Get a volunteer",
)
def volunteer_detail(request, volunteer_id: int):
    return volunteer_for_output(request.auth, volunteer_get(request.auth, volunteer_id))


@router.patch(
    "/volunteers/{int:volunteer_id}",
    response={200: VolunteerOut, **WRITE_ERRORS},
    tags=["volunteers"],
    summary="Change a volunteer's profile",
)
def volunteer_change(request, volunteer_id: int, payload: VolunteerUpdateIn):
    """Change a profile (the volunteer, or their coordinator). Only the fields given change."""
    user = request.auth
    volunteer = volunteer_get(user, volunteer_id)
    fields = payload.model_dump(exclude_unset=True)
    if payload.availability is not None:
        fields["availability"] = [(s.weekday, s.starts_at, s.ends_at) for s in payload.availability]
    volunteer_update(actor=user, volunteer=volunteer, **fields)
    return volunteer_for_output(user, volunteer_get(user, volunteer_id))


@router.post(
    "/volunteers/{int:volunteer_id}/status",
    response={200: MembershipOut, **WRITE_ERRORS},
    tags=["volunteers"],
    summary="Change a volunteer's status in a programme",
)
def volunteer_status_change(request, volunteer_id: int, payload: StatusChangeIn):
    """Move the volunteer between applicant, active, paused and left in one programme (coordinators)."""
    user = request.auth
    volunteer = volunteer_get(user, volunteer_id)
    try:
        membership = volunteer_membership(user, volunteer, programme_slug=payload.programme, role=payload.role)
    except Membership.DoesNotExist:
        raise bad_reference("programme", _("The volunteer holds no such role in this programme.")) from None
    except Membership.MultipleObjectsReturned:
        raise bad_reference("role", _("The volunteer is both volunteer and mentor here; name the role.")) from None
    return membership_status_change(
        actor=user, membership=membership, status=payload.status, on=payload.on, reason=payload.reason
    )


@router.get(
    "/volunteers/{int:volunteer_id}/consents",
    response={200: list[ConsentOut], **READ_ERRORS},
    tags=["consents"],
    summary="List a volunteer's consents",
)
@paginate(Pagination)
def consent_list(request, volunteer_id: int):
    """Consents given and withdrawn, with who recorded them and when."""
    volunteer = volunteer_get(request.auth, volunteer_id)
    return consents_for(request.auth).filter(volunteer=volunteer).order_by("purpose", "-given_at", "-id")


@router.post(
    "/volunteers/{int:volunteer_id}/consents",
    response={200: ConsentOut, 201: ConsentOut, **WRITE_ERRORS},
    tags=["consents"],
    summary="Record a consent",
)
def consent_add(request, volunteer_id: int, payload: ConsentIn):
    """Record a consent (the volunteer, or their coordinator): 201. A consent that already stands
    is returned unchanged: 200."""
    volunteer = volunteer_get(request.auth, volunteer_id)
    standing = set(
        consents_for(request.auth)
        .filter(volunteer=volunteer, purpose=payload.purpose, withdrawn_at__isnull=True)
        .values_list("pk", flat=True)
    )
    consent = consent_give(actor=request.auth, volunteer=volunteer, purpose=payload.purpose, note=payload.note)
    return Status(200 if consent.pk in standing else 201, consents_for(request.auth).get(pk=consent.pk))


@router.post(
    "/consents/{int:consent_id}/withdraw",
    response={200: ConsentOut, **WRITE_ERRORS},
    tags=["consents"],
    summary="Withdraw a consent",
)
def consent_remove(request, consent_id: int, payload: ReasonIn | None = None):
    """Withdraw a consent. Withdrawing the demographics consent erases the demographics."""
    consent = consent_get(request.auth, consent_id)
    consent_withdraw(actor=request.auth, consent=consent, reason=payload.reason if payload else "")
    return consents_for(request.auth).get(pk=consent.pk)
