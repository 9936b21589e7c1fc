"""Reads of the mentoring app, under the confidentiality rule: a supported person's record
is for the coordinators of their programme (holding the coordinator role there, not
administrators as such) and their assigned mentor (a mentorship that has not ended).
Anyone else gets DoesNotExist (a 404: we do not confirm the record exists), sees nothing of
them in lists, and is not recorded as having viewed them. Every view that is granted is
written to the access log.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from mentoring.gas import score_history
from mentoring.models import (
    AccessLog,
    Goal,
    GoalReview,
    GoalStatus,
    MentoringSession,
    Mentorship,
    MentorshipStatus,
    SupportedPerson,
)
from timebank.accounts.models import Role, User
from timebank.accounts.permissions import programme_ids_with_role


def _visible_people(user: User):
    if not user.is_authenticated:
        return SupportedPerson.objects.none()
    coordinated = programme_ids_with_role(user, Role.COORDINATOR)
    mentored = Mentorship.objects.filter(mentor__user=user).exclude(status=MentorshipStatus.ENDED)
    return SupportedPerson.objects.filter(Q(programme_id__in=coordinated) | Q(pk__in=mentored.values("person_id")))


def people_for(user: User):
    """The supported people the person may see (a list: not logged as views)."""
    return _visible_people(user).select_related("programme")


def person_get(user: User, pk: int, *, what: str | None = "record") -> SupportedPerson:
    """The person's record, logged as viewed by `user`; DoesNotExist (and no log) otherwise.
    `what=None` for a write that only needs the row (it is audited, and a write refused
    for want of the coordinator role is no view)."""
    person = _visible_people(user).select_related("programme").get(pk=pk)
    if what is not None:
        AccessLog.objects.create(person=person, viewer=user, what=what)
    return person


def mentorships_for(user: User, *, programme=None):
    """Mentorships the person may see: all of a coordinated programme's, and their own as mentor."""
    if not user.is_authenticated:
        return Mentorship.objects.none()
    coordinated = programme_ids_with_role(user, Role.COORDINATOR)
    mentorships = Mentorship.objects.filter(
        Q(programme_id__in=coordinated) | (Q(mentor__user=user) & ~Q(status=MentorshipStatus.ENDED))
    ).select_related("person", "mentor", "programme")
    return mentorships.filter(programme=programme) if programme is not None else mentorships


def mentorship_get(user: User, pk: int, *, log: bool = True) -> Mentorship:
    """A mentorship and, through it, the person's record: logged as a view (unless `log`
    is off, for writes, as person_get)."""
    mentorship = mentorships_for(user).get(pk=pk)
    if log:
        AccessLog.objects.create(person=mentorship.person, viewer=user, what="mentorship")
    return mentorship


def session_get(user: User, pk: int):
    """A session of a mentorship the person may see (its record is logged as viewed)."""
    session = MentoringSession.objects.select_related("mentorship__person", "claim").get(
        pk=pk, mentorship__in=mentorships_for(user).values("pk")
    )
    AccessLog.objects.create(person=session.mentorship.person, viewer=user, what="session")
    return session


def is_coordinator_of(user: User, mentorship: Mentorship) -> bool:
    return mentorship.programme_id in programme_ids_with_role(user, Role.COORDINATOR)


@dataclass
class GoalLine:
    goal: object
    latest_level: int
    latest_on: object


def goals_with_progress(mentorship: Mentorship) -> tuple[list[GoalLine], list]:
    """Each goal at its latest level, and the T-score history of the goals that count
    (active and achieved; dropped goals leave the composite)."""
    goals = list(mentorship.goals.prefetch_related("reviews"))
    lines = []
    for goal in goals:
        reviews = sorted(goal.reviews.all(), key=lambda r: (r.reviewed_on, r.pk))
        lines.append(
            GoalLine(
                goal,
                reviews[-1].level if reviews else goal.baseline_level,
                reviews[-1].reviewed_on if reviews else None,
            )
        )
    counted = [g for g in goals if g.status != GoalStatus.DROPPED]
    return lines, score_history(counted)


def mentorship_scores(mentorships) -> dict[int, tuple[float | None, float | None]]:
    """{mentorship id: (baseline T, latest T)} for a list of mentorships, in two queries."""
    goals = defaultdict(list)
    for goal in (
        Goal.objects.filter(mentorship__in=mentorships).exclude(status=GoalStatus.DROPPED).prefetch_related("reviews")
    ):
        goals[goal.mentorship_id].append(goal)
    scores = {}
    for mentorship in mentorships:
        history = score_history(goals.get(mentorship.pk, []))
        scores[mentorship.pk] = (history[0].t, history[-1].t) if history else (None, None)
    return scores


def person_export(user: User, pk: int) -> dict:
    """Everything held about a supported person, machine-readable, for the coordinators of
    their programme (a subject access request). Logged as a view; DoesNotExist otherwise."""
    coordinated = programme_ids_with_role(user, Role.COORDINATOR)
    person = SupportedPerson.objects.select_related("programme").get(pk=pk, programme_id__in=coordinated)
    AccessLog.objects.create(person=person, viewer=user, what="export")
    mentorships = person.mentorships.select_related("mentor").prefetch_related(
        "sessions", "goals__reviews", "check_ins"
    )
    return {
        "person": {
            "id": person.pk,
            "programme": person.programme.slug,
            "kind": person.kind,
            "reference": person.reference,
            "languages": person.languages,
            "topics": person.topics,
            "place_name": person.place_name,
            "latitude": person.latitude,
            "longitude": person.longitude,
            "referral_source": person.referral_source,
            "referred_on": _iso(person.referred_on),
            "created_at": _iso(person.created_at),
        },
        "risk_flags": person.risk_flags,
        "household": [{"label": m.label, "birth_year": m.birth_year} for m in person.members.all()],
        "consents": [
            {
                "agreed_to": c.agreed_to,
                "given_on": _iso(c.given_on),
                "recorded_by": c.recorded_by.get_username(),
                "withdrawn_on": _iso(c.withdrawn_on),
            }
            for c in person.consents.select_related("recorded_by")
        ],
        "requests_for_a_mentor": [
            {"need": r.need_id, "title": r.need.title, "created_at": _iso(r.created_at)}
            for r in person.requests.select_related("need")
        ],
        "mentorships": [
            {
                "id": m.pk,
                "mentor": m.mentor.display_name,
                "starts_on": _iso(m.starts_on),
                "planned_end_on": _iso(m.planned_end_on),
                "status": m.status,
                "ended_on": _iso(m.ended_on),
                "closure_reason": m.closure_reason,
                "outcome_notes": m.outcome_notes,
                "sessions": [
                    {
                        "date": _iso(s.date),
                        "minutes": s.minutes,
                        "mode": s.mode,
                        "notes": s.notes,
                        "next_steps": s.next_steps,
                    }
                    for s in m.sessions.all()
                ],
                "goals": [
                    {
                        "domain": g.domain,
                        "description": g.description,
                        "weight": g.weight,
                        "levels": g.levels,
                        "baseline_level": g.baseline_level,
                        "status": g.status,
                        "reviews": [
                            {"on": _iso(r.reviewed_on), "level": r.level, "note": r.note} for r in g.reviews.all()
                        ],
                    }
                    for g in m.goals.all()
                ],
                "check_ins": [{"date": _iso(c.date), "note": c.note} for c in m.check_ins.all()],
            }
            for m in mentorships
        ],
        "access_log": [
            {"viewer": entry.viewer.get_username(), "what": entry.what, "at": _iso(entry.at)}
            for entry in person.access_log.select_related("viewer")
        ],
    }


def _iso(value):
    return value.isoformat() if value is not None else None


@dataclass
class GoalSummary:
    goals_set: int
    achieved: int
    dropped: int
    people_with_goals: int
    mean_baseline: float | None
    mean_latest: float | None
    # The mentorships behind each figure, for the impact statement's small-number rule.
    mentorships_with_goals: frozenset = frozenset()
    mentorships_by_status: dict = field(default_factory=dict)  # goal status -> mentorship ids
    achieved_by_programme: dict = field(default_factory=dict)  # programme id -> goals achieved


def programme_goal_summary(programme, *, start=None, end=None) -> GoalSummary:
    """Goals set (in the period, by creation date), achieved and dropped; the mean T-score of
    the people with goals at baseline and at their latest review. Aggregates only: for the
    coordinator's list and the funder's impact statement."""
    return goal_summary([programme.pk], start=start, end=end)


def goal_summary(programme_ids, *, start=None, end=None) -> GoalSummary:
    """programme_goal_summary over several programmes; reviews after `end` are not counted.
    Two queries, whatever the number of goals."""
    # Only the columns the scores need: a programme's goals can number thousands.
    goals = Goal.objects.filter(mentorship__programme_id__in=list(programme_ids)).only(
        "id", "weight", "baseline_level", "status", "mentorship__id", "mentorship__programme_id"
    )
    reviews = GoalReview.objects.only("id", "goal_id", "level", "reviewed_on")
    if start is not None:
        goals = goals.filter(created_at__date__gte=start)
    if end is not None:
        goals = goals.filter(created_at__date__lte=end)
        reviews = reviews.filter(reviewed_on__lte=end)
    goals = list(
        goals.select_related("mentorship").prefetch_related(Prefetch("reviews", queryset=reviews)).order_by("pk")
    )
    by_person = defaultdict(list)
    by_status = defaultdict(set)
    achieved_by_programme = defaultdict(int)
    for goal in goals:
        by_status[goal.status].add(goal.mentorship_id)
        if goal.status == GoalStatus.ACHIEVED:
            achieved_by_programme[goal.mentorship.programme_id] += 1
        if goal.status != GoalStatus.DROPPED:
            by_person[goal.mentorship_id].append(goal)
    baselines, latest = [], []
    for person_goals in by_person.values():
        history = score_history(person_goals)
        baselines.append(history[0].t)
        latest.append(history[-1].t)

    def mean(values):
        return round(sum(values) / len(values), 2) if values else None

    return GoalSummary(
        goals_set=len(goals),
        achieved=sum(1 for g in goals if g.status == GoalStatus.ACHIEVED),
        dropped=sum(1 for g in goals if g.status == GoalStatus.DROPPED),
        people_with_goals=len(by_person),
        mean_baseline=mean(baselines),
        mean_latest=mean(latest),
        mentorships_with_goals=frozenset(goal.mentorship_id for goal in goals),
        mentorships_by_status={status: frozenset(ids) for status, ids in by_status.items()},
        achieved_by_programme=dict(achieved_by_programme),
    )
