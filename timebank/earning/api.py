"""API for earning credits: activities, sessions, hours claims, approval and the
attendance register.

Times and credits are integer minutes (60 = 1 credit). Credit-moving calls
(creating a claim, which an activity may approve at once; approving; bulk
approval; the attendance register) accept an `Idempotency-Key` header. Approval
keys in the ledger are derived from the claim, so a claim is paid once whatever
the client sends; a claim created with a key is returned again (200) when the
same request is retried, and the same key with another request answers 409.
"""

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from ledger.errors import format_minutes
from timebank.accounts.models import Programme
from timebank.accounts.permissions import can_coordinate, coordinated_programme_ids
from timebank.accounts.selectors.programmes import coordinated_programme_get, programme_get
from timebank.common.api import IDEMPOTENCY_KEY, Pagination
from timebank.earning.models import Activity, ActivitySession, ClaimStatus, HoursClaim
from timebank.earning.selectors import (
    activities_of,
    activity_get,
    attendees_of,
    claim_get,
    claims_for,
    claims_to_decide,
    my_claims,
    programme_claims,
    session_get,
    sessions_of,
)
from timebank.earning.services.activities import activity_create, activity_session_create
from timebank.earning.services.attendance import attendance_record
from timebank.earning.services.claims import (
    claim_approve,
    claim_log,
    claim_reject,
    claims_approve_bulk,
)
from timebank.problems import READ_ERRORS, WRITE_ERRORS
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.selectors.volunteers import volunteer_get, volunteers_for

router = Router(tags=["earning"])


# --- Schemas ------------------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    programme: str = Field(description="The programme's slug.")
    name: str
    description: str
    credit_rule: Literal["per_hour", "fixed"] = Field(description="per_hour: credits = minutes given.")
    fixed_minutes: int | None = Field(description="For fixed activities: the minutes credited per claim.")
    auto_approve_max_minutes: int = Field(description="Claims up to this many minutes are approved at once.")
    active: bool

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug


class ActivityIn(Schema):
    name: str = Field(max_length=200)
    description: str = ""
    credit_rule: Literal["per_hour", "fixed"] = "per_hour"
    fixed_minutes: int | None = Field(None, description="Required for fixed activities: 120 for 2 credits.")
    auto_approve_max_minutes: int | None = Field(None, description="0 to 1440; the programme's default when left out.")


class SessionOut(Schema):
    id: int
    activity: int
    activity_name: str
    programme: str
    date: dt.date
    title: str
    duration_minutes: int

    @staticmethod
    def resolve_activity(obj) -> int:
        return obj.activity_id

    @staticmethod
    def resolve_activity_name(obj) -> str:
        return obj.activity.name

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.activity.programme.slug


class SessionIn(Schema):
    activity: int = Field(description="Id of one of the programme's activities.")
    date: dt.date
    duration_minutes: int
    title: str = Field("", max_length=200)


class SessionQuery(Schema):
    activity: int | None = Field(None, description="Only this activity's sessions.")


class ClaimOut(Schema):
    id: int
    programme: str
    volunteer: int
    volunteer_name: str
    activity: int
    activity_name: str
    session: int | None
    date: dt.date
    minutes: int = Field(description="Time given.")
    credited_minutes: int = Field(description="Credits issued on approval, in minutes.")
    credits: str = Field(description="The credits as people read them: '2.5 credits'.")
    note: str
    status: Literal["pending", "approved", "rejected"]
    source: str
    rejection_reason: str
    decided_by: str | None
    decided_at: dt.datetime | None
    approved_automatically: bool
    transaction: int | None = Field(description="The ledger transaction that issued the credits.")
    created_at: dt.datetime

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug

    @staticmethod
    def resolve_volunteer(obj) -> int:
        return obj.volunteer_id

    @staticmethod
    def resolve_volunteer_name(obj) -> str:
        return obj.volunteer.full_name

    @staticmethod
    def resolve_activity(obj) -> int:
        return obj.activity_id

    @staticmethod
    def resolve_activity_name(obj) -> str:
        return obj.activity.name

    @staticmethod
    def resolve_session(obj) -> int | None:
        return obj.session_id

    @staticmethod
    def resolve_credits(obj) -> str:
        return format_minutes(obj.credited_minutes)

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return str(obj.decided_by) if obj.decided_by_id else None

    @staticmethod
    def resolve_approved_automatically(obj) -> bool:
        return obj.status == ClaimStatus.APPROVED and obj.decided_by_id is None

    @staticmethod
    def resolve_transaction(obj) -> int | None:
        return obj.transaction_id


class ClaimIn(Schema):
    activity: int | None = Field(None, description="Activity id; may be left out when a session is given.")
    session: int | None = Field(None, description="Session id, for a meeting or event on the programme's list.")
    date: dt.date | None = Field(None, description="The day the time was given; the session's day by default.")
    minutes: int | None = Field(None, description="Time given, 1 to 1440; the session's length by default.")
    note: str = Field("", max_length=500)
    volunteer: int | None = Field(None, description="For coordinators logging for someone; the caller by default.")


class ClaimListQuery(Schema):
    status: Literal["pending", "approved", "rejected"] | None = None


class ProgrammeClaimQuery(Schema):
    status: Literal["pending", "approved", "rejected", "all"] = Field("pending", description="Pending by default.")


class RejectIn(Schema):
    reason: str = Field(max_length=500, description="Shown to the volunteer.")


class BulkApproveIn(Schema):
    claims: list[int] = Field(min_length=1, max_length=1000, description="Ids of the claims to approve.")


class RefusedClaimOut(Schema):
    claim: int
    reason: str


class BulkApproveOut(Schema):
    approved: list[ClaimOut]
    refused: list[RefusedClaimOut] = Field(description="The claims not approved, each with the reason.")
    credited_minutes: int


class AttendanceIn(Schema):
    volunteers: list[int] = Field(min_length=1, max_length=500, description="Ids of the volunteers who attended.")


class AttendanceOut(Schema):
    session: int
    claims: list[ClaimOut] = Field(description="Each attendee's approved claim for the session.")
    credited_now: list[int] = Field(description="Ids of the claims approved by this call.")
    already_credited: list[int] = Field(description="Ids of the claims approved before: nothing was done.")
    credited_minutes: int


# --- Helpers ------------------------------------------------------------------------------------


def _reference(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _coordinated(user, slug: str) -> Programme:
    """The programme for its coordinators; 403 for others who hold a role in it, 404 for the rest."""
    return coordinated_programme_get(user, slug)


def _claim_out(user, claim: HoursClaim) -> HoursClaim:
    return claims_for(user).get(pk=claim.pk)


def _claim_volunteer(user, volunteer_id: int | None) -> VolunteerProfile:
    if volunteer_id is None:
        own = volunteers_for(user).filter(user=user).first()
        if own is None:
            raise _reference("volunteer", _("You have no volunteer record: name the volunteer."))
        return own
    try:
        return volunteer_get(user, volunteer_id)
    except VolunteerProfile.DoesNotExist:
        raise _reference("volunteer", _("Choose a volunteer you may see.")) from None


# --- Activities and sessions ------------------------------------------------------------------------


@router.get(
    "/programmes/{slug}/activities",
    response={200: list[ActivityOut], **READ_ERRORS},
    summary="List the activities",
)
@paginate(Pagination)
def activity_list(request, slug: str):
    """What the programme credits; for everyone holding a role in it."""
    return activities_of(programme_get(request.auth, slug)).select_related("programme")


@router.post(
    "/programmes/{slug}/activities",
    response={201: ActivityOut, **WRITE_ERRORS},
    summary="Add an activity",
)
def activity_add(request, slug: str, payload: ActivityIn):
    """Add an activity credited per hour given or with fixed credits (coordinators)."""
    programme = programme_get(request.auth, slug)
    return Status(201, activity_create(actor=request.auth, programme=programme, **payload.model_dump()))


@router.get(
    "/programmes/{slug}/sessions",
    response={200: list[SessionOut], **READ_ERRORS},
    summary="List the sessions",
)
@paginate(Pagination)
def session_list(request, slug: str, query: Query[SessionQuery]):
    """Occurrences of the programme's activities, latest first; for everyone holding a role in it."""
    sessions = sessions_of(programme_get(request.auth, slug))
    return sessions.filter(activity_id=query.activity) if query.activity else sessions


@router.post(
    "/programmes/{slug}/sessions",
    response={201: SessionOut, **WRITE_ERRORS},
    summary="Add a session",
)
def session_add(request, slug: str, payload: SessionIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """Add an occurrence of one of the programme's activities (coordinators). With an
    `Idempotency-Key`, a retry returns the session first added."""
    user = request.auth
    programme = programme_get(user, slug)
    try:
        activity = activities_of(programme).select_related("programme").get(pk=payload.activity)
    except Activity.DoesNotExist:
        raise _reference("activity", _("Choose one of the programme's activities.")) from None
    session = activity_session_create(
        actor=user,
        activity=activity,
        date=payload.date,
        duration_minutes=payload.duration_minutes,
        title=payload.title,
        idempotency_key=idempotency_key,
    )
    return Status(201, session)


# --- Claims ----------------------------------------------------------------------------------------


@router.get("/claims", response={200: list[ClaimOut], **READ_ERRORS}, summary="List my claims")
@paginate(Pagination)
def claim_list(request, query: Query[ClaimListQuery]):
    """The caller's own claims in every programme, latest first."""
    claims = my_claims(request.auth)
    return claims.filter(status=query.status) if query.status else claims


@router.get(
    "/programmes/{slug}/claims",
    response={200: list[ClaimOut], **READ_ERRORS, 403: WRITE_ERRORS[403]},
    summary="List a programme's claims",
)
@paginate(Pagination)
def programme_claim_list(request, slug: str, query: Query[ProgrammeClaimQuery]):
    """The programme's claims, oldest first: the approval queue by default (coordinators)."""
    programme = _coordinated(request.auth, slug)
    status = None if query.status == "all" else query.status
    return programme_claims(request.auth, programme, status=status)


@router.post(
    "/claims",
    response={201: ClaimOut, **WRITE_ERRORS},
    summary="Log hours",
)
def claim_add(request, payload: ClaimIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """Log time given: pending until a coordinator decides, unless the activity approves claims of this
    length at once. A volunteer logs for themselves; a programme's coordinators may name a `volunteer`.
    With an `Idempotency-Key`, a retry returns the claim first made (201 again)."""
    user = request.auth
    session = None
    if payload.session is not None:
        try:
            session = session_get(user, payload.session)
        except ActivitySession.DoesNotExist:
            raise _reference("session", _("Choose a session of one of your programmes.")) from None
    if payload.activity is not None:
        try:
            activity = activity_get(user, payload.activity)
        except Activity.DoesNotExist:
            raise _reference("activity", _("Choose an activity of one of your programmes.")) from None
    elif session is not None:
        activity = session.activity
    else:
        raise _reference("activity", _("Name the activity, or a session."))
    volunteer = _claim_volunteer(user, payload.volunteer)
    claim = claim_log(
        actor=user,
        volunteer=volunteer,
        activity=activity,
        session=session,
        date=payload.date,
        minutes=payload.minutes,
        note=payload.note,
        idempotency_key=idempotency_key,
    )
    return Status(201, _claim_out(user, claim))


@router.get("/claims/{int:claim_id}", response={200: ClaimOut, **READ_ERRORS}, summary="Get a claim")
def claim_detail(request, claim_id: int):
    """A claim of the caller's, or of a programme they coordinate."""
    return claim_get(request.auth, claim_id)


@router.post("/claims/{int:claim_id}/approve", response={200: ClaimOut, **WRITE_ERRORS}, summary="Approve a claim")
def claim_approve_op(request, claim_id: int, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """Approve a pending claim and issue its credits (coordinators of its programme, not for their own
    claim). A claim already decided answers 422, except a retry with the Idempotency-Key that approved it."""
    user = request.auth
    claim = claim_approve(actor=user, claim=claim_get(user, claim_id), idempotency_key=idempotency_key)
    return _claim_out(user, claim)


@router.post("/claims/{int:claim_id}/reject", response={200: ClaimOut, **WRITE_ERRORS}, summary="Reject a claim")
def claim_reject_op(request, claim_id: int, payload: RejectIn):
    """Reject a pending claim with a reason the volunteer sees (coordinators of its programme)."""
    user = request.auth
    claim = claim_reject(actor=user, claim=claim_get(user, claim_id), reason=payload.reason)
    return _claim_out(user, claim)


@router.post(
    "/claims/bulk-approve",
    response={200: BulkApproveOut, **WRITE_ERRORS},
    summary="Approve many claims",
)
def claims_bulk_approve(request, payload: BulkApproveIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """Approve each claim in its own transaction: a refused one does not hold back the others. Answers
    what was approved and, for each claim not approved, why (already decided, not found, your own)."""
    user = request.auth
    if not coordinated_programme_ids(user):
        raise PermissionDenied(_("Only a programme's coordinators approve hours."))
    found, missing = claims_to_decide(user, payload.claims)
    result = claims_approve_bulk(actor=user, claims=found, idempotency_key=idempotency_key)
    approved_ids = [claim.pk for claim in result.approved]
    refused = [{"claim": claim.pk, "reason": reason} for claim, reason in result.refused]
    refused += [{"claim": pk, "reason": _("Not found, or not yours to decide.")} for pk in missing]
    return {
        "approved": list(claims_for(user).filter(pk__in=approved_ids).order_by("pk")),
        "refused": sorted(refused, key=lambda item: item["claim"]),
        "credited_minutes": result.credited_minutes,
    }


# --- Attendance register ------------------------------------------------------------------------


@router.post(
    "/sessions/{int:session_id}/attendance",
    response={200: AttendanceOut, **WRITE_ERRORS},
    summary="Record attendance",
)
def attendance_add(request, session_id: int, payload: AttendanceIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """Record who attended a session (coordinators): each attendee's claim is created and approved at
    once. Recording again credits nobody twice: it answers with the same claims, none of them credited now.
    With an `Idempotency-Key`, a retry answers what the first request did."""
    user = request.auth
    session = session_get(user, session_id)
    programme = session.activity.programme
    if not can_coordinate(user, programme):
        raise PermissionDenied(_("Only a coordinator of %(programme)s may do this.") % {"programme": programme})
    wanted = set(payload.volunteers)
    attendees = list(attendees_of(programme).filter(pk__in=wanted))
    unknown = sorted(wanted - {volunteer.pk for volunteer in attendees})
    if unknown:
        raise _reference(
            "volunteers",
            _("Not active volunteers of %(programme)s: %(ids)s.")
            % {"programme": programme, "ids": ", ".join(str(pk) for pk in unknown)},
        )
    result = attendance_record(actor=user, session=session, volunteers=attendees, idempotency_key=idempotency_key)
    claims = [*result.approved, *result.already]
    return {
        "session": session.pk,
        "claims": list(claims_for(user).filter(pk__in=[c.pk for c in claims]).order_by("volunteer__full_name")),
        "credited_now": sorted(c.pk for c in result.approved),
        "already_credited": sorted(c.pk for c in result.already),
        "credited_minutes": result.credited_minutes,
    }
