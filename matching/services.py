"""Writes of matching: needs, proposals and the match lifecycle, exclusions, batch runs.

Lifecycle: proposed -> offered -> accepted | declined; accepted -> active;
accepted | active -> closed; proposed | offered | accepted -> withdrawn. A
volunteer's own sign-up to a shift is accepted at once. A decline offers the
need to the next best candidate. Every change writes a MatchEvent (who, when,
why) and an audit row in the same transaction.

Places are counted under a lock on the need row, so two coordinators, or a
coordinator and a batch, cannot fill more places than the need has; the unique
constraint on live matches refuses a second live match of one volunteer to one
need whatever happens.

A write a client may retry (proposing, signing up, every move of a match, a batch run)
takes the client's `idempotency_key` and goes through the one idempotency mechanism
(timebank.accounts.services.idempotency), scoped to the person, the need's programme and
the operation: a retry returns the first result, the same key for another request
raises IdempotencyConflict.
"""

import django.dispatch
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.evaluate import Evaluation, evaluate, label_requirements, need_requirements
from matching.models import (
    LIVE_STATUSES,
    BatchRun,
    Exclusion,
    Match,
    MatchEvent,
    MatchStatus,
    Need,
    NeedKind,
    NeedStatus,
    Shift,
    Task,
)
from matching.pool import load_pool
from matching.tasks import run_batch
from timebank.accounts.models import Programme, User
from timebank.accounts.permissions import require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.accounts.services.idempotency import IdempotentRequest, idempotent_request
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.services.locks import volunteer_lock

# Sent inside the accepting transaction, with `match` and `actor` (who accepted);
# mentoring listens for mentoring needs (so this app never imports mentoring). A receiver
# that raises refuses the acceptance: nothing of it is kept.
match_accepted = django.dispatch.Signal()

# The operation a batch run is asked as: the page and the API look a run up by its key through it.
BATCH_RUN = "matching.batch_run"

TRANSITIONS = {
    "offer": (MatchStatus.PROPOSED,),
    "accept": (MatchStatus.OFFERED,),
    "decline": (MatchStatus.OFFERED,),
    "activate": (MatchStatus.ACCEPTED,),
    "close": (MatchStatus.ACCEPTED, MatchStatus.ACTIVE),
    "withdraw": (MatchStatus.PROPOSED, MatchStatus.OFFERED, MatchStatus.ACCEPTED),
}


# Needs ---------------------------------------------------------------------------


def _shift_fields(shift: Shift) -> dict:
    task = shift.task
    return {
        "programme_id": task.programme_id,
        "kind": NeedKind.SHIFT,
        "title": task.title,
        "group_key": f"task:{task.pk}",
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "capacity": shift.headcount,
        "place_name": task.place_name,
        "latitude": None if task.latitude is None else float(task.latitude),
        "longitude": None if task.longitude is None else float(task.longitude),
        "languages": list(task.wanted_languages),
        "skills": sorted(task.wanted_skills.values_list("slug", flat=True)),
        "involves_children": task.involves_children,
        "involves_vulnerable_adults": task.involves_vulnerable_adults,
        "status": NeedStatus.OPEN if task.status == "open" else NeedStatus.CLOSED,
    }


@transaction.atomic
def task_needs_sync(*, actor: User, task: Task) -> list[Need]:
    """One need per shift of the task, created or brought up to date with the task. Safe to run twice."""
    require_coordinator(actor, task.programme)
    needs = []
    courses = list(task.required_courses.all())
    checks = list(task.required_checks.all())
    for shift in task.shifts.select_related("task"):
        fields = _shift_fields(shift)
        need, _created = Need.objects.update_or_create(
            shift=shift, defaults=fields, create_defaults={**fields, "shift": shift, "created_by": actor}
        )
        need.required_courses.set(courses)
        need.required_checks.set(checks)
        needs.append(need)
    return needs


@transaction.atomic
def mentoring_need_create(
    *,
    actor: User,
    programme: Programme,
    title: str,
    group_key: str,
    starts_at,
    ends_at,
    languages: list[str] = (),
    topics: list[str] = (),
    latitude: float | None = None,
    longitude: float | None = None,
    place_name: str = "",
    weekly_slots: list = (),
    minutes_per_week: int = 0,
    preferred_gender: str = "",
    urgency: int = 1,
    home_visits: bool = False,
    involves_children: bool = False,
    involves_vulnerable_adults: bool = False,
) -> Need:
    """A need for a mentor. The mentoring app calls this for a family or person (group_key "person:N")."""
    require_coordinator(actor, programme)
    errors = {}
    if not title.strip():
        errors["title"] = [_("Give the need a title.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The need must end after it starts.")]
    if minutes_per_week < 0 or minutes_per_week > 40 * 60:
        errors["minutes_per_week"] = [_("Expect between 0 and 40 hours a week.")]
    if (latitude is None) != (longitude is None):
        errors["latitude"] = [_("Give both the latitude and the longitude, or neither.")]
    if errors:
        raise ValidationError(errors)
    need = Need.objects.create(
        programme=programme,
        kind=NeedKind.MENTORING,
        title=title.strip(),
        group_key=group_key,
        starts_at=starts_at,
        ends_at=ends_at,
        languages=sorted(set(languages)),
        topics=sorted(set(topics)),
        latitude=latitude,
        longitude=longitude,
        place_name=place_name,
        weekly_slots=list(weekly_slots),
        minutes_per_week=minutes_per_week,
        preferred_gender=preferred_gender,
        urgency=urgency,
        home_visits=home_visits,
        involves_children=involves_children,
        involves_vulnerable_adults=involves_vulnerable_adults,
        capacity=1,
        created_by=actor,
    )
    audit_record(actor=actor, action="need.create", target=need, programme=programme)
    return need


# Evaluating one volunteer --------------------------------------------------------


def evaluate_one(
    need: Need, volunteer: VolunteerProfile, *, own_match: Match | None = None
) -> tuple[Evaluation, int | None]:
    """The need's evaluation over a pool of this one volunteer, and their index in it (None: not a member).

    With `own_match` (the volunteer's live match on this need, being accepted), that match
    neither holds the volunteer's capacity nor counts as already matched: the question is
    whether they may still take this need on."""
    pool = load_pool(need.programme, volunteer_ids=[volunteer.pk])
    index = pool.index_of(volunteer.pk)
    if own_match is not None and index is not None:
        pool.need_matches.get(need.pk, {}).pop(index, None)
        pool.live_total[index] -= 1
        if need.kind == NeedKind.MENTORING:
            pool.live_mentoring[index] -= 1
            pool.live_minutes_week[index] -= need.minutes_per_week
    keys = need_requirements(need, pool)
    label_requirements(pool, keys)
    evaluation = evaluate(need, pool, requirements=keys)
    return evaluation, index


def _require_eligible(need: Need, volunteer: VolunteerProfile) -> Evaluation:
    evaluation, index = evaluate_one(need, volunteer)
    if index is None:
        raise ValidationError(
            {
                "volunteer": [
                    _("%(name)s does not volunteer in %(programme)s.")
                    % {"name": volunteer.display_name, "programme": need.programme}
                ]
            }
        )
    if not evaluation.eligible[index]:
        raise ValidationError({"volunteer": [r["reason"] for r in evaluation.reasons(index)]})
    return evaluation


def _lock_need(need: Need) -> Need:
    return Need.objects.select_for_update(no_key=True).get(pk=need.pk)


def _places_left(need: Need) -> int:
    return need.capacity - need.matches.filter(status__in=LIVE_STATUSES).count()


def _record(match: Match, actor: User, status: str, note: str = "") -> None:
    MatchEvent.objects.create(match=match, status=status, actor=actor, note=note)
    audit_record(actor=actor, action=f"match.{status}", target=match, programme=match.need.programme, reason=note)


def _create_match(
    *,
    need: Need,
    volunteer: VolunteerProfile,
    actor: User,
    status: str,
    evaluation,
    index,
    self_signup=False,
    batch_run=None,
) -> Match:
    candidate = evaluation.candidate(index)
    match = Match.objects.create(
        need=need,
        volunteer=volunteer,
        status=status,
        score=candidate.score,
        explanation=candidate.explanation,
        self_signup=self_signup,
        batch_run=batch_run,
        created_by=actor,
    )
    _record(match, actor, status)
    return match


def _match_request(actor: User, operation: str, match: Match, key: str | None, **asked) -> IdempotentRequest:
    """The retryable request `operation` on one match, scoped to its need's programme."""
    return idempotent_request(
        actor=actor,
        operation=operation,
        key=key,
        programme=match.need.programme,
        request={"match": match.pk, **asked},
    )


@transaction.atomic
def match_propose(
    *,
    actor: User,
    need: Need,
    volunteer: VolunteerProfile,
    offer: bool = False,
    idempotency_key: str | None = None,
) -> Match:
    """Propose (or, with offer=True, offer at once) the need to an eligible volunteer.
    Raises ValidationError with every reason the volunteer is excluded, or when the need is full.
    A retry with the same `idempotency_key` returns the first match."""
    require_coordinator(actor, need.programme)
    request = idempotent_request(
        actor=actor,
        operation="match.propose",
        key=idempotency_key,
        programme=need.programme,
        request={"need": need.pk, "volunteer": volunteer.pk, "offer": offer},
    )
    if request.replayed:
        return request.result(Match)
    need = _lock_need(need)
    # The volunteer's row too (after the need, always in that order): two needs proposed
    # to one mentor at once must not both pass the check of the mentees they have room for.
    volunteer_lock(volunteer)
    if need.status != NeedStatus.OPEN:
        raise ValidationError({"need": [_("This need is closed.")]})
    if _places_left(need) <= 0:
        raise ValidationError({"need": [_("Every place on this need is taken.")]})
    evaluation = _require_eligible(need, volunteer)
    status = MatchStatus.OFFERED if offer else MatchStatus.PROPOSED
    match = _create_match(
        need=need,
        volunteer=volunteer,
        actor=actor,
        status=status,
        evaluation=evaluation,
        index=evaluation.pool.index_of(volunteer.pk),
    )
    return request.finish(match)


@transaction.atomic
def task_signup(*, actor: User, need: Need, idempotency_key: str | None = None) -> Match:
    """A volunteer signs up for a shift themselves: the same eligibility check as matching, accepted at once.
    A retry with the same `idempotency_key` returns the first sign-up."""
    volunteer = VolunteerProfile.objects.filter(user=actor).first()
    if volunteer is None:
        raise PermissionDenied(_("Only volunteers can sign up for tasks."))
    request = idempotent_request(
        actor=actor, operation="match.signup", key=idempotency_key, programme=need.programme, request={"need": need.pk}
    )
    if request.replayed:
        return request.result(Match)
    need = _lock_need(need)
    volunteer_lock(volunteer)
    if need.kind != NeedKind.SHIFT or need.status != NeedStatus.OPEN:
        raise ValidationError({"need": [_("This task is not open for sign-up.")]})
    if need.starts_at <= timezone.now():
        raise ValidationError({"need": [_("This shift has already started.")]})
    if _places_left(need) <= 0:
        raise ValidationError({"need": [_("Every place on this shift is taken.")]})
    evaluation = _require_eligible(need, volunteer)
    match = _create_match(
        need=need,
        volunteer=volunteer,
        actor=actor,
        status=MatchStatus.ACCEPTED,
        evaluation=evaluation,
        index=evaluation.pool.index_of(volunteer.pk),
        self_signup=True,
    )
    match_accepted.send(sender=Match, match=match, actor=actor)
    return request.finish(match)


def _move(match: Match, action: str, new_status: str, actor: User, reason: str = "") -> Match:
    match = Match.objects.select_for_update(no_key=True).select_related("need__programme", "volunteer").get(pk=match.pk)
    if match.status not in TRANSITIONS[action]:
        raise ValidationError(
            {
                "status": [
                    _("A %(status)s match cannot be %(action)s.")
                    % {"status": match.get_status_display().lower(), "action": _transition_word(action)}
                ]
            }
        )
    match.status = new_status
    match.reason = reason
    match.save(update_fields=["status", "reason", "updated_at"])
    _record(match, actor, new_status, reason)
    return match


def _transition_word(action: str) -> str:
    return {
        "offer": _("offered"),
        "accept": _("accepted"),
        "decline": _("declined"),
        "activate": _("started"),
        "close": _("closed"),
        "withdraw": _("withdrawn"),
    }[action]


def _require_own(actor: User, match: Match) -> None:
    if match.volunteer.user_id != actor.pk:
        raise PermissionDenied(_("Only the volunteer it was offered to may answer this offer."))


def _coordinator_move(
    *,
    actor: User,
    match: Match,
    action: str,
    new_status: str,
    idempotency_key: str | None,
    reason: str | None = None,
    reason_missing: str = "",
) -> Match:
    """A coordinator's move of a match (offer, start, close, withdraw), with a reason when
    `reason_missing` says what to ask for. A retry with the same key returns the match
    instead of being refused as out of order."""
    require_coordinator(actor, match.need.programme)
    asked = {}
    if reason is not None:
        reason = asked["reason"] = reason.strip()
        if not reason:
            raise ValidationError({"reason": [reason_missing]})
    request = _match_request(actor, f"match.{action}", match, idempotency_key, **asked)
    if request.replayed:
        return request.result(Match)
    return request.finish(_move(match, action, new_status, actor, reason or ""))


@transaction.atomic
def match_offer(*, actor: User, match: Match, idempotency_key: str | None = None) -> Match:
    return _coordinator_move(
        actor=actor,
        match=match,
        action="offer",
        new_status=MatchStatus.OFFERED,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def match_accept(*, actor: User, match: Match, idempotency_key: str | None = None) -> Match:
    """The volunteer accepts. Eligibility is checked again: a check may have expired since the offer.

    What the acceptance sets off in other apps (a mentoring match becomes a mentorship)
    happens in this transaction, through `match_accepted`: when it is refused
    (ValidationError), the match stays offered and nothing is written. A retry with the
    same `idempotency_key` returns the accepted match."""
    _require_own(actor, match)
    request = _match_request(actor, "match.accept", match, idempotency_key)
    if request.replayed:
        return request.result(Match)
    locked = Match.objects.select_for_update(no_key=True).get(pk=match.pk)
    if locked.status == MatchStatus.OFFERED:
        evaluation, index = evaluate_one(match.need, match.volunteer, own_match=locked)
        blocking = [r["reason"] for r in evaluation.reasons(index)] if index is not None else [_("Not a member.")]
        if blocking:
            raise ValidationError({"volunteer": blocking})
    match = _move(match, "accept", MatchStatus.ACCEPTED, actor)
    match_accepted.send(sender=Match, match=match, actor=actor)
    return request.finish(match)


@transaction.atomic
def match_decline(
    *, actor: User, match: Match, reason: str, idempotency_key: str | None = None
) -> tuple[Match, Match | None]:
    """The volunteer declines, with a reason; the need is offered to the next best eligible
    candidate. Returns the declined match and the new offer (None when nobody else is eligible);
    a retry with the same `idempotency_key` returns both as the first request made them."""
    _require_own(actor, match)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you decline, so the coordinator can find someone else.")]})
    request = _match_request(actor, "match.decline", match, idempotency_key, reason=reason)
    if request.replayed:
        following = request.data["offered_next"]
        return request.result(Match), (Match.objects.get(pk=following) if following is not None else None)
    match = _move(match, "decline", MatchStatus.DECLINED, actor, reason)
    following = _offer_next(match.need, offered_by=match.created_by)
    request.finish(match, data={"offered_next": following.pk if following is not None else None})
    return match, following


def _offer_next(need: Need, *, offered_by: User) -> Match | None:
    need = _lock_need(need)
    if need.status != NeedStatus.OPEN or _places_left(need) <= 0:
        return None
    pool = load_pool(need.programme, near=need)
    evaluation = evaluate(need, pool)
    ranked = evaluation.ranked_indexes(1)
    if not len(ranked):
        return None
    index = int(ranked[0])
    volunteer = VolunteerProfile.objects.get(pk=int(pool.ids[index]))
    volunteer_lock(volunteer)
    try:
        # Again under the lock: they may have taken on another family since the pool was read.
        evaluation = _require_eligible(need, volunteer)
    except ValidationError:
        return None
    index = evaluation.pool.index_of(volunteer.pk)
    return _create_match(
        need=need, volunteer=volunteer, actor=offered_by, status=MatchStatus.OFFERED, evaluation=evaluation, index=index
    )


@transaction.atomic
def match_activate(*, actor: User, match: Match, idempotency_key: str | None = None) -> Match:
    return _coordinator_move(
        actor=actor,
        match=match,
        action="activate",
        new_status=MatchStatus.ACTIVE,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def match_close(*, actor: User, match: Match, reason: str, idempotency_key: str | None = None) -> Match:
    return _coordinator_move(
        actor=actor,
        match=match,
        action="close",
        new_status=MatchStatus.CLOSED,
        idempotency_key=idempotency_key,
        reason=reason,
        reason_missing=_("Say why the match is closed."),
    )


@transaction.atomic
def match_withdraw(*, actor: User, match: Match, reason: str, idempotency_key: str | None = None) -> Match:
    return _coordinator_move(
        actor=actor,
        match=match,
        action="withdraw",
        new_status=MatchStatus.WITHDRAWN,
        idempotency_key=idempotency_key,
        reason=reason,
        reason_missing=_("Say why the match is withdrawn."),
    )


@transaction.atomic
def batch_offer_all(*, actor: User, run: BatchRun) -> int:
    """Offer every proposal of a batch run that is still proposed. Returns how many were offered.
    Safe to send twice: the second finds nothing left to offer."""
    require_coordinator(actor, run.programme)
    offered = 0
    for match in run.matches.filter(status=MatchStatus.PROPOSED).order_by("pk"):
        _move(match, "offer", MatchStatus.OFFERED, actor)
        offered += 1
    return offered


# Exclusions ----------------------------------------------------------------------


@transaction.atomic
def exclusion_record(
    *, actor: User, programme: Programme, volunteer: VolunteerProfile, group_key: str, reason: str
) -> Exclusion:
    """Record a conflict of interest: this volunteer is never matched to this family, person or team."""
    require_coordinator(actor, programme)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say what the conflict of interest is.")]})
    exclusion, _created = Exclusion.objects.get_or_create(
        volunteer=volunteer,
        group_key=group_key,
        defaults={"programme": programme, "reason": reason.strip(), "recorded_by": actor},
    )
    audit_record(actor=actor, action="exclusion.record", target=exclusion, programme=programme, reason=reason)
    return exclusion


# Batch runs ----------------------------------------------------------------------


@transaction.atomic
def batch_run_request(*, actor: User, programme: Programme, idempotency_key: str | None = None) -> BatchRun:
    """Queue a batch assignment over the programme's open needs; the work runs in a Celery task
    after commit. A retry with the same `idempotency_key` (the page's form token, a double
    click) returns the run it started; the page follows that run's progress by the key
    (selectors.batch_runs_by_key)."""
    require_coordinator(actor, programme)
    request = idempotent_request(
        actor=actor, operation=BATCH_RUN, key=idempotency_key, programme=programme, request={"programme": programme.pk}
    )
    if request.replayed:
        return request.result(BatchRun)
    run = BatchRun.objects.create(programme=programme, started_by=actor)
    audit_record(actor=actor, action="batch.request", target=run, programme=programme)
    transaction.on_commit(lambda: run_batch.delay(run.pk))
    return request.finish(run)
