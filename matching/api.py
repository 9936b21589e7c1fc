"""API for matching: needs, ranked candidates with their explanations, "why not",
proposals and the match lifecycle, batch runs and their progress.

Needs, candidates and batch runs are for the coordinators of the programme (404
for anyone else: we do not confirm a need exists); a volunteer answers their own
offers and signs up for shifts. Errors come in the one problem+json shape of
timebank.api.

Every write that creates or moves a match, and starting a batch run, takes the
Idempotency-Key header: a retry answers with the first result and status, the same key
for another request 409.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from matching import selectors, services
from matching.models import LIVE_STATUSES
from matching.task_services import ShiftSpec, task_create
from timebank.accounts.selectors.programmes import coordinated_programme_get, programme_get
from timebank.common.api import IDEMPOTENCY_KEY, Pagination
from timebank.problems import READ_ERRORS, WRITE_ERRORS
from timebank.training.models import CheckType, Course
from timebank.volunteers.models import Skill
from timebank.volunteers.selectors.volunteers import volunteer_get

router = Router(tags=["matching"])


class NeedOut(Schema):
    id: int
    programme: str
    kind: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    filled: int = Field(description="Live matches: proposed, offered, accepted or active.")
    place_name: str
    latitude: float | None
    longitude: float | None
    languages: list[str]
    skills: list[str]
    topics: list[str]
    involves_children: bool
    involves_vulnerable_adults: bool
    urgency: int
    minutes_per_week: int
    status: str

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug

    @staticmethod
    def resolve_filled(obj) -> int:
        return getattr(obj, "live", None) or obj.matches.filter(status__in=LIVE_STATUSES).count()


class ExplanationPart(Schema):
    component: str
    label: str
    value: float = Field(description="The component, from 0 to 1.")
    weight: int
    contribution: float = Field(description="value x weight / sum of weights; the parts add up to the score.")
    detail: str


class CandidateOut(Schema):
    volunteer: int = Field(alias="volunteer_id")
    name: str
    score: float
    distance_km: float | None
    explanation: list[ExplanationPart]


class CandidatesOut(Schema):
    need: int
    considered: int = Field(description="Volunteers within reach of the need, read from the database.")
    eligible: int
    excluded: dict[str, int] = Field(description="How many each hard constraint excluded.")
    candidates: list[CandidateOut]


class ReasonOut(Schema):
    constraint: str
    label: str
    reason: str


class WhyNotOut(Schema):
    volunteer: int
    eligible: bool
    reasons: list[ReasonOut]
    candidate: CandidateOut | None


class MatchOut(Schema):
    id: int
    need: int = Field(alias="need_id")
    need_title: str
    volunteer: int = Field(alias="volunteer_id")
    volunteer_name: str
    status: str
    score: float
    explanation: list[ExplanationPart]
    self_signup: bool
    reason: str
    batch_run: int | None = Field(alias="batch_run_id")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_need_title(obj) -> str:
        return obj.need.title

    @staticmethod
    def resolve_volunteer_name(obj) -> str:
        return obj.volunteer.display_name


class ProposeIn(Schema):
    volunteer: int
    offer: bool = Field(False, description="Offer to the volunteer at once instead of proposing.")


class ReasonIn(Schema):
    reason: str = Field(max_length=300)


class ShiftIn(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    headcount: int = Field(1, ge=1, le=100)


class TaskIn(Schema):
    title: str = Field(max_length=200)
    description: str = ""
    place_name: str = ""
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    shifts: list[ShiftIn] = Field(min_length=1, max_length=50)
    required_courses: list[int] = []
    required_checks: list[int] = []
    wanted_skills: list[int] = []
    wanted_languages: list[str] = []
    involves_children: bool = False
    involves_vulnerable_adults: bool = False


class BatchRunIn(Schema):
    request_key: str = Field(
        "",
        max_length=100,
        description="The Idempotency-Key, for a client that cannot send the header (the header wins).",
    )


class BatchRunOut(Schema):
    id: int
    programme: str
    status: str
    progress: int = Field(description="Percent done.")
    stage: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    needs_considered: int
    places_open: int
    places_filled: int
    total_score: float
    greedy_score: float = Field(description="The total score a greedy pass reaches on the same input.")
    solver: str
    results: list[dict]

    @staticmethod
    def resolve_programme(obj) -> str:
        return obj.programme.slug


class BatchRunQuery(Schema):
    key: str = Field("", description="Only the runs you started with this key (Idempotency-Key or request_key).")


# --- Needs --------------------------------------------------------------------------------


@router.get("/matching/programmes/{slug}/needs", response={200: list[NeedOut], **READ_ERRORS}, summary="Open needs")
@paginate(Pagination)
def need_list(request, slug: str):
    """The programme's open needs, most urgent first (coordinators)."""
    programme = coordinated_programme_get(request.auth, slug)
    return selectors.needs_for(request.auth, programme=programme)


def _owned(model, ids, programme, field):
    found = list(model.objects.filter(pk__in=ids, programme=programme))
    if len(found) != len(set(ids)):
        raise ValidationError({field: [_("Choose from this programme's own list.")]})
    return found


@router.post("/matching/programmes/{slug}/tasks", response={201: list[NeedOut], **WRITE_ERRORS}, summary="Post a task")
def task_post(request, slug: str, payload: TaskIn):
    """Post a task with its shifts; each shift becomes a need to fill (coordinators)."""
    programme = programme_get(request.auth, slug)
    data = payload.model_dump()
    task = task_create(
        actor=request.auth,
        programme=programme,
        title=data["title"],
        description=data["description"],
        place_name=data["place_name"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        shifts=[ShiftSpec(s["starts_at"], s["ends_at"], s["headcount"]) for s in data["shifts"]],
        required_courses=_owned(Course, data["required_courses"], programme, "required_courses"),
        required_checks=_owned(CheckType, data["required_checks"], programme, "required_checks"),
        wanted_skills=_owned(Skill, data["wanted_skills"], programme, "wanted_skills"),
        wanted_languages=data["wanted_languages"],
        involves_children=data["involves_children"],
        involves_vulnerable_adults=data["involves_vulnerable_adults"],
    )
    return Status(201, services.task_needs_sync(actor=request.auth, task=task))


@router.get("/matching/needs/{need_id}", response={200: NeedOut, **READ_ERRORS}, summary="A need")
def need_detail(request, need_id: int):
    return selectors.need_get(request.auth, need_id)


class CandidateQuery(Schema):
    limit: int = Field(10, ge=1, le=100)


@router.get(
    "/matching/needs/{need_id}/candidates", response={200: CandidatesOut, **READ_ERRORS}, summary="Ranked candidates"
)
def need_candidates(request, need_id: int, query: Query[CandidateQuery]):
    """The best eligible volunteers, each score explained component by component, and how many
    each hard constraint excluded."""
    need = selectors.need_get(request.auth, need_id)
    result = selectors.need_candidates(request.auth, need, limit=query.limit)
    return {
        "need": need.pk,
        "considered": result.considered,
        "eligible": result.eligible,
        "excluded": result.excluded,
        "candidates": result.candidates,
    }


@router.get(
    "/matching/needs/{need_id}/why-not/{volunteer_id}",
    response={200: WhyNotOut, **READ_ERRORS},
    summary="Why a volunteer is not a candidate",
)
def need_why_not(request, need_id: int, volunteer_id: int):
    need = selectors.need_get(request.auth, need_id)
    volunteer = volunteer_get(request.auth, volunteer_id)
    answer = selectors.need_why_not(request.auth, need, volunteer)
    return {
        "volunteer": volunteer.pk,
        "eligible": answer.eligible,
        "reasons": answer.reasons,
        "candidate": answer.candidate,
    }


class ExclusionIn(Schema):
    volunteer: int
    reason: str = Field(max_length=300)


class ExclusionOut(Schema):
    id: int
    volunteer: int = Field(alias="volunteer_id")
    group_key: str
    reason: str
    recorded_at: dt.datetime


@router.post(
    "/matching/needs/{need_id}/exclusions",
    response={201: ExclusionOut, **WRITE_ERRORS},
    summary="Record a conflict of interest",
)
def need_exclude(request, need_id: int, payload: ExclusionIn):
    """The volunteer is never matched with this need's family, person or team again (coordinators)."""
    need = selectors.need_get(request.auth, need_id)
    volunteer = volunteer_get(request.auth, payload.volunteer)
    exclusion = services.exclusion_record(
        actor=request.auth,
        programme=need.programme,
        volunteer=volunteer,
        group_key=need.group_key,
        reason=payload.reason,
    )
    return Status(201, exclusion)


@router.get("/matching/needs/{need_id}/matches", response={200: list[MatchOut], **READ_ERRORS}, summary="Matches")
def need_match_list(request, need_id: int):
    need = selectors.need_get(request.auth, need_id)
    return list(selectors.need_matches(request.auth, need))


@router.post(
    "/matching/needs/{need_id}/matches", response={201: MatchOut, **WRITE_ERRORS}, summary="Propose a volunteer"
)
def need_propose(request, need_id: int, payload: ProposeIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    need = selectors.need_get(request.auth, need_id)
    volunteer = volunteer_get(request.auth, payload.volunteer)
    match = services.match_propose(
        actor=request.auth, need=need, volunteer=volunteer, offer=payload.offer, idempotency_key=idempotency_key
    )
    return Status(201, match)


@router.post(
    "/matching/needs/{need_id}/signup", response={201: MatchOut, **WRITE_ERRORS}, summary="Sign up for a shift"
)
def need_signup(request, need_id: int, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """A volunteer signs up for a shift of their programme, if the matching rules say they may."""
    need = selectors.signup_need_get(request.auth, need_id)
    return Status(201, services.task_signup(actor=request.auth, need=need, idempotency_key=idempotency_key))


# --- Matches ------------------------------------------------------------------------------


@router.get("/matching/matches", response={200: list[MatchOut], **READ_ERRORS}, summary="My offers and matches")
@paginate(Pagination)
def my_matches(request):
    return selectors.offers_for(request.auth)


def _coordinated(request, match_id):
    return selectors.match_get_for_coordinator(request.auth, match_id)


def _mine(request, match_id):
    return selectors.match_get_for_volunteer(request.auth, match_id)


@router.post("/matching/matches/{match_id}/offer", response={200: MatchOut, **WRITE_ERRORS}, summary="Offer")
def match_offer(request, match_id: int, idempotency_key: str | None = IDEMPOTENCY_KEY):
    return services.match_offer(
        actor=request.auth, match=_coordinated(request, match_id), idempotency_key=idempotency_key
    )


@router.post("/matching/matches/{match_id}/accept", response={200: MatchOut, **WRITE_ERRORS}, summary="Accept")
def match_accept(request, match_id: int, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """422 when the offer no longer holds, or what it starts cannot be (a mentorship for a
    mentoring need): the offer then stays open."""
    return services.match_accept(actor=request.auth, match=_mine(request, match_id), idempotency_key=idempotency_key)


class DeclineOut(Schema):
    declined: MatchOut
    offered_next: MatchOut | None = Field(description="The offer made to the next best candidate, if any.")


@router.post("/matching/matches/{match_id}/decline", response={200: DeclineOut, **WRITE_ERRORS}, summary="Decline")
def match_decline(request, match_id: int, payload: ReasonIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    declined, following = services.match_decline(
        actor=request.auth, match=_mine(request, match_id), reason=payload.reason, idempotency_key=idempotency_key
    )
    return {"declined": declined, "offered_next": following}


@router.post("/matching/matches/{match_id}/activate", response={200: MatchOut, **WRITE_ERRORS}, summary="Start")
def match_activate(request, match_id: int, idempotency_key: str | None = IDEMPOTENCY_KEY):
    return services.match_activate(
        actor=request.auth, match=_coordinated(request, match_id), idempotency_key=idempotency_key
    )


@router.post("/matching/matches/{match_id}/close", response={200: MatchOut, **WRITE_ERRORS}, summary="Close")
def match_close(request, match_id: int, payload: ReasonIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    return services.match_close(
        actor=request.auth,
        match=_coordinated(request, match_id),
        reason=payload.reason,
        idempotency_key=idempotency_key,
    )


@router.post("/matching/matches/{match_id}/withdraw", response={200: MatchOut, **WRITE_ERRORS}, summary="Withdraw")
def match_withdraw(request, match_id: int, payload: ReasonIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    return services.match_withdraw(
        actor=request.auth,
        match=_coordinated(request, match_id),
        reason=payload.reason,
        idempotency_key=idempotency_key,
    )


# --- Batch runs ---------------------------------------------------------------------------


@router.post(
    "/matching/programmes/{slug}/batch-runs",
    response={202: BatchRunOut, **WRITE_ERRORS},
    summary="Run a batch assignment",
)
def batch_run_start(request, slug: str, payload: BatchRunIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """Queue a batch over every open need of the programme; poll the run for its progress.
    Proposals are written when it is done (coordinators)."""
    programme = programme_get(request.auth, slug)
    if idempotency_key is None:
        idempotency_key = payload.request_key or None
    run = services.batch_run_request(actor=request.auth, programme=programme, idempotency_key=idempotency_key)
    run.refresh_from_db()
    return Status(202, run)


@router.get("/matching/batch-runs", response={200: list[BatchRunOut], **READ_ERRORS}, summary="Batch runs")
@paginate(Pagination)
def batch_run_list(request, query: Query[BatchRunQuery]):
    if query.key:
        return selectors.batch_runs_by_key(request.auth, query.key)
    return selectors.batch_runs_for(request.auth)


@router.get("/matching/batch-runs/{run_id}", response={200: BatchRunOut, **READ_ERRORS}, summary="A batch run")
def batch_run_detail(request, run_id: int):
    return selectors.batch_run_get(request.auth, run_id)
