"""API for mentoring, under the rule of the pages: a supported person's record is for the
coordinators of their programme and their assigned mentor (404 for anyone else, and no
trace in lists); every granted read of a record is logged. One problem+json error shape.
Logging a session takes the Idempotency-Key header: a retry answers with the first session.
"""

import datetime as dt

from ninja import Field, Router, Schema, Status

from mentoring import selectors, services
from mentoring.gas import score_history
from mentoring.models import Goal, GoalStatus, MentoringSession, Mentorship, SupportedPerson
from timebank.accounts.permissions import programme_ids_with_role, require_coordinator
from timebank.accounts.selectors.programmes import programme_get
from timebank.common.api import IDEMPOTENCY_KEY
from timebank.problems import READ_ERRORS, WRITE_ERRORS
from timebank.volunteers.selectors.volunteers import volunteer_get

router = Router(tags=["mentoring"])


class PersonOut(Schema):
    id: int
    programme: str
    kind: str
    reference: str
    languages: list[str]
    topics: list[str]
    place_name: str

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug


class PersonIn(Schema):
    kind: str = Field(description="family or individual")
    reference: str = Field(max_length=80)
    languages: list[str] = []
    topics: list[str] = []
    place_name: str = ""
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    referral_source: str = ""
    referred_on: dt.date | None = None


class RequestIn(Schema):
    starts_on: dt.date | None = None
    weekly_slots: list[tuple[int, str, str]] = []
    minutes_per_week: int = Field(120, ge=0, le=2400)
    urgency: int = Field(1, ge=0, le=3)
    preferred_gender: str = ""
    home_visits: bool = True


class NeedRef(Schema):
    need: int


class MentorshipOut(Schema):
    id: int
    programme: str
    person: int = Field(alias="person_id")
    person_reference: str
    mentor: int = Field(alias="mentor_id")
    mentor_name: str
    starts_on: dt.date
    planned_end_on: dt.date
    status: str
    ended_on: dt.date | None
    closure_reason: str

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug

    @staticmethod
    def resolve_person_reference(obj) -> str:
        return obj.person.reference

    @staticmethod
    def resolve_mentor_name(obj) -> str:
        return obj.mentor.display_name


class MentorshipIn(Schema):
    person: int
    mentor: int
    starts_on: dt.date | None = None


class CloseIn(Schema):
    reason: str
    outcome_notes: str = ""


class SessionIn(Schema):
    date: dt.date
    minutes: int
    mode: str
    notes: str = ""
    next_steps: str = ""
    key: str | None = Field(
        None,
        max_length=100,
        description="The Idempotency-Key, for a client that cannot send the header (the header wins).",
    )


class SessionChange(Schema):
    date: dt.date
    minutes: int
    mode: str
    notes: str = ""
    next_steps: str = ""


class SessionOut(Schema):
    id: int
    mentorship: int = Field(alias="mentorship_id")
    date: dt.date
    minutes: int
    mode: str
    notes: str
    next_steps: str
    claim: int = Field(alias="claim_id")
    claim_status: str

    @staticmethod
    def resolve_claim_status(obj) -> str:
        return obj.claim.status


class GoalIn(Schema):
    domain: str
    description: str
    levels: dict[str, str] = Field(description='{"-2": "...", "-1": "...", "0": "...", "1": "...", "2": "..."}')
    baseline_level: int = -1
    weight: int = 1


class ReviewOut(Schema):
    reviewed_on: dt.date
    level: int
    note: str


class GoalOut(Schema):
    id: int
    domain: str
    description: str
    levels: dict[str, str]
    baseline_level: int
    weight: int
    status: str
    reviews: list[ReviewOut]

    @staticmethod
    def resolve_reviews(obj) -> list:
        return list(obj.reviews.all())


class ScorePointOut(Schema):
    on: dt.date | None = Field(description="null: the baseline")
    t: float


class GoalsOut(Schema):
    goals: list[GoalOut]
    t_scores: list[ScorePointOut]


class ReviewIn(Schema):
    level: int
    reviewed_on: dt.date | None = None
    note: str = ""
    status: str = ""


class CheckInIn(Schema):
    note: str
    date: dt.date | None = None


class SummaryOut(Schema):
    goals_set: int
    achieved: int
    dropped: int
    people_with_goals: int
    mean_baseline: float | None
    mean_latest: float | None


class ReasonIn(Schema):
    reason: str = Field(max_length=300)


def _coordinated_programme(user, slug):
    programme = programme_get(user, slug)
    if programme.pk not in programme_ids_with_role(user, "coordinator"):
        raise SupportedPerson.DoesNotExist
    return programme


# --- People ---------------------------------------------------------------------------------


@router.get("/mentoring/people", response={200: list[PersonOut], **READ_ERRORS}, summary="Supported people")
def people_list(request):
    return list(selectors.people_for(request.auth))


@router.post("/mentoring/programmes/{slug}/people", response={201: PersonOut, **WRITE_ERRORS}, summary="Add a person")
def person_add(request, slug: str, payload: PersonIn):
    programme = _coordinated_programme(request.auth, slug)
    return Status(
        201, services.supported_person_create(actor=request.auth, programme=programme, **payload.model_dump())
    )


@router.get("/mentoring/people/{person_id}", response={200: PersonOut, **READ_ERRORS}, summary="A person")
def person_detail(request, person_id: int):
    return selectors.person_get(request.auth, person_id)


@router.post(
    "/mentoring/people/{person_id}/requests", response={201: NeedRef, **WRITE_ERRORS}, summary="Ask for a mentor"
)
def person_request(request, person_id: int, payload: RequestIn):
    """The person's request for a mentor becomes a matching need (coordinators)."""
    person = selectors.person_get(request.auth, person_id, what=None)
    data = payload.model_dump()
    data["weekly_slots"] = [list(slot) for slot in data["weekly_slots"]]
    need = services.mentoring_request_create(actor=request.auth, person=person, **data)
    return Status(201, {"need": need.pk})


@router.get("/mentoring/people/{person_id}/export", response={200: dict, **READ_ERRORS}, summary="Export")
def person_export(request, person_id: int):
    """Everything held about the person (coordinators of their programme)."""
    return selectors.person_export(request.auth, person_id)


@router.post("/mentoring/people/{person_id}/erase", response={200: PersonOut, **WRITE_ERRORS}, summary="Erase")
def person_erase(request, person_id: int, payload: ReasonIn):
    person = selectors.person_get(request.auth, person_id, what=None)
    return services.person_erase(actor=request.auth, person=person, reason=payload.reason)


# --- Mentorships ----------------------------------------------------------------------------


@router.get("/mentoring/mentorships", response={200: list[MentorshipOut], **READ_ERRORS}, summary="Mentorships")
def mentorship_list(request):
    return list(selectors.mentorships_for(request.auth))


@router.post("/mentoring/mentorships", response={201: MentorshipOut, **WRITE_ERRORS}, summary="Start one")
def mentorship_add(request, payload: MentorshipIn):
    person = selectors.person_get(request.auth, payload.person, what=None)
    require_coordinator(request.auth, person.programme)  # a mentor may see the person, not start one
    mentor = volunteer_get(request.auth, payload.mentor)
    return Status(
        201, services.mentorship_start(actor=request.auth, person=person, mentor=mentor, starts_on=payload.starts_on)
    )


@router.get("/mentoring/mentorships/{mentorship_id}", response={200: MentorshipOut, **READ_ERRORS}, summary="One")
def mentorship_detail(request, mentorship_id: int):
    return selectors.mentorship_get(request.auth, mentorship_id)


@router.post(
    "/mentoring/mentorships/{mentorship_id}/close", response={200: MentorshipOut, **WRITE_ERRORS}, summary="Close"
)
def mentorship_close(request, mentorship_id: int, payload: CloseIn):
    mentorship = selectors.mentorship_get(request.auth, mentorship_id, log=False)
    return services.mentorship_close(
        actor=request.auth, mentorship=mentorship, reason=payload.reason, outcome_notes=payload.outcome_notes
    )


@router.post(
    "/mentoring/mentorships/{mentorship_id}/check-ins", response={201: dict, **WRITE_ERRORS}, summary="Check-in"
)
def check_in_add(request, mentorship_id: int, payload: CheckInIn):
    mentorship = selectors.mentorship_get(request.auth, mentorship_id, log=False)
    check_in = services.check_in_record(actor=request.auth, mentorship=mentorship, note=payload.note, date=payload.date)
    return Status(201, {"id": check_in.pk, "date": check_in.date.isoformat(), "note": check_in.note})


@router.get(
    "/mentoring/mentorships/{mentorship_id}/sessions",
    response={200: list[SessionOut], **READ_ERRORS},
    summary="Sessions",
)
def session_list(request, mentorship_id: int):
    mentorship = selectors.mentorship_get(request.auth, mentorship_id)
    return list(mentorship.sessions.select_related("claim"))


@router.post(
    "/mentoring/mentorships/{mentorship_id}/sessions",
    response={201: SessionOut, **WRITE_ERRORS},
    summary="Log a session",
)
def session_add(request, mentorship_id: int, payload: SessionIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """The session's time becomes an hours claim under the programme's approval rules. A retry
    with the same key answers with the first session (201); the same key for another session 409."""
    mentorship = selectors.mentorship_get(request.auth, mentorship_id)
    session = services.session_log(
        actor=request.auth,
        mentorship=mentorship,
        date=payload.date,
        minutes=payload.minutes,
        mode=payload.mode,
        notes=payload.notes,
        next_steps=payload.next_steps,
        idempotency_key=idempotency_key if idempotency_key is not None else payload.key,
    )
    return Status(201, session)


@router.patch("/mentoring/sessions/{session_id}", response={200: SessionOut, **WRITE_ERRORS}, summary="Edit")
def session_change(request, session_id: int, payload: SessionChange):
    """A pending claim follows the change; a decided one keeps its time (422 when asked to change it)."""
    visible = Mentorship.objects.filter(pk__in=selectors.mentorships_for(request.auth).values("pk"))
    session = MentoringSession.objects.select_related("claim").get(pk=session_id, mentorship__in=visible)
    return services.session_update(actor=request.auth, session=session, **payload.model_dump())


@router.get("/mentoring/mentorships/{mentorship_id}/goals", response={200: GoalsOut, **READ_ERRORS}, summary="Goals")
def goal_list(request, mentorship_id: int):
    mentorship = selectors.mentorship_get(request.auth, mentorship_id)
    goals = list(mentorship.goals.prefetch_related("reviews"))
    history = score_history([g for g in goals if g.status != GoalStatus.DROPPED])
    return {"goals": goals, "t_scores": history}


@router.post(
    "/mentoring/mentorships/{mentorship_id}/goals", response={201: GoalOut, **WRITE_ERRORS}, summary="Add a goal"
)
def goal_add(request, mentorship_id: int, payload: GoalIn):
    mentorship = selectors.mentorship_get(request.auth, mentorship_id)
    return Status(201, services.goal_create(actor=request.auth, mentorship=mentorship, **payload.model_dump()))


@router.post("/mentoring/goals/{goal_id}/reviews", response={201: ReviewOut, **WRITE_ERRORS}, summary="Review")
def goal_review(request, goal_id: int, payload: ReviewIn):
    visible = selectors.mentorships_for(request.auth).values("pk")
    goal = Goal.objects.select_related("mentorship__programme").get(pk=goal_id, mentorship__in=visible)
    return Status(201, services.goal_review(actor=request.auth, goal=goal, **payload.model_dump()))


@router.get("/mentoring/programmes/{slug}/goal-summary", response={200: SummaryOut, **READ_ERRORS}, summary="Summary")
def goal_summary(request, slug: str):
    """Goals set, achieved and dropped, and mean T-scores: aggregates for the coordinators."""
    return selectors.programme_goal_summary(_coordinated_programme(request.auth, slug))
