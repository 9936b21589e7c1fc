"""Reads of matching, scoped to the person asking.

Needs, their candidates, "why not" and batch runs are for the coordinators of
the need's programme (and administrators); anyone else gets DoesNotExist, so a
page or the API answers 404 without confirming the need exists. A volunteer
sees only their own offers and the shifts they may sign up for.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.evaluate import Candidate, constraint_labels, evaluate, label_requirements, need_requirements
from matching.models import LIVE_STATUSES, BatchRun, Match, MatchStatus, Need, NeedKind, NeedStatus
from matching.pool import load_pool
from matching.services import BATCH_RUN, evaluate_one
from timebank.accounts.models import User
from timebank.accounts.permissions import coordinated_programme_ids
from timebank.accounts.selectors.idempotency import idempotent_result_ids
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.permissions import volunteer_programme_ids


def needs_for(user: User, *, programme=None, status: str | None = NeedStatus.OPEN):
    needs = Need.objects.filter(programme_id__in=coordinated_programme_ids(user)).select_related("programme")
    if programme is not None:
        needs = needs.filter(programme=programme)
    if status:
        needs = needs.filter(status=status)
    return needs.annotate(live=Count("matches", filter=Q(matches__status__in=LIVE_STATUSES)))


def need_get(user: User, pk: int) -> Need:
    """The need, if `user` coordinates its programme; Need.DoesNotExist otherwise."""
    return Need.objects.select_related("programme").get(pk=pk, programme_id__in=coordinated_programme_ids(user))


@dataclass
class CandidateList:
    need: Need
    candidates: list[Candidate]
    considered: int  # volunteers within reach, read from the database
    eligible: int
    excluded: dict[str, int]  # constraint -> how many it excluded

    @property
    def excluded_labelled(self) -> list[tuple[str, int]]:
        labels = constraint_labels()
        return [(labels[name], count) for name, count in self.excluded.items()]


def need_candidates(user: User, need: Need, *, limit: int = 10) -> CandidateList:
    """The top `limit` candidates for a need, each with the explanation of their score."""
    need = need_get(user, need.pk)
    pool = load_pool(need.programme, near=need)
    keys = need_requirements(need, pool)
    evaluation = evaluate(need, pool, requirements=keys)
    return CandidateList(
        need=need,
        candidates=evaluation.top(limit),
        considered=pool.size,
        eligible=int(evaluation.eligible.sum()),
        excluded=evaluation.exclusion_counts(),
    )


@dataclass
class WhyNot:
    volunteer: VolunteerProfile
    eligible: bool
    reasons: list[dict]
    candidate: Candidate | None


def need_why_not(user: User, need: Need, volunteer: VolunteerProfile) -> WhyNot:
    """Why this volunteer is (or is not) a candidate for the need: every constraint that excludes them."""
    need = need_get(user, need.pk)
    evaluation, index = evaluate_one(need, volunteer)
    if index is None:
        reason = _("%(name)s does not volunteer in %(programme)s.") % {
            "name": volunteer.display_name,
            "programme": need.programme,
        }
        return WhyNot(volunteer, False, [{"constraint": "membership", "label": reason, "reason": reason}], None)
    reasons = evaluation.reasons(index)
    return WhyNot(volunteer, not reasons, reasons, evaluation.candidate(index))


def volunteer_search(user: User, need: Need, query: str, *, limit: int = 20):
    """Volunteers and mentors of the need's programme whose name or membership number matches."""
    need = need_get(user, need.pk)
    query = query.strip()
    if not query:
        return VolunteerProfile.objects.none()
    return (
        VolunteerProfile.objects.filter(
            user__memberships__programme=need.programme,
            user__memberships__role__in=("volunteer", "mentor"),
        )
        .filter(Q(full_name__icontains=query) | Q(preferred_name__icontains=query) | Q(membership_number=query))
        .distinct()
        .order_by("full_name", "pk")[:limit]
    )


def need_matches(user: User, need: Need):
    need = need_get(user, need.pk)
    return need.matches.select_related("volunteer").prefetch_related("events__actor").order_by("-created_at", "-pk")


def match_get_for_coordinator(user: User, pk: int) -> Match:
    return Match.objects.select_related("need__programme", "volunteer").get(
        pk=pk, need__programme_id__in=coordinated_programme_ids(user)
    )


def match_get_for_volunteer(user: User, pk: int) -> Match:
    return Match.objects.select_related("need__programme", "volunteer").get(pk=pk, volunteer__user=user)


def offers_for(user: User):
    """The volunteer's matches: offers waiting for an answer first, then the rest."""
    return (
        Match.objects.filter(volunteer__user=user)
        .select_related("need__programme")
        .order_by("-status", "need__starts_at")  # a fixed order; the page groups by status
    )


def eligible_shifts_for(user: User) -> list[tuple[Need, bool, list[dict]]]:
    """Open future shifts in the volunteer's programmes, as (need, may sign up, reasons if
    not, the label of their live match on it if any): the same check matching uses."""
    volunteer = VolunteerProfile.objects.filter(user=user).first()
    if volunteer is None:
        return []
    needs = (
        Need.objects.filter(
            programme_id__in=volunteer_programme_ids(volunteer),
            kind=NeedKind.SHIFT,
            status=NeedStatus.OPEN,
            starts_at__gt=timezone.now(),
        )
        .select_related("programme")
        .prefetch_related("required_courses", "required_checks")
        .annotate(live=Count("matches", filter=Q(matches__status__in=LIVE_STATUSES)))
        .order_by("starts_at", "pk")
    )
    pools = {}
    answers = []
    for need in needs:
        pool = pools.get(need.programme_id)
        if pool is None:
            pool = pools[need.programme_id] = load_pool(need.programme, volunteer_ids=[volunteer.pk])
        keys = need_requirements(need, pool)
        label_requirements(pool, keys)
        index = pool.index_of(volunteer.pk)
        if index is None:
            continue
        evaluation = evaluate(need, pool, requirements=keys)
        status = pool.need_matches.get(need.pk, {}).get(index)
        if status in LIVE_STATUSES:
            answers.append((need, False, [], MatchStatus(status).label))
            continue
        reasons = evaluation.reasons(index)
        if need.live >= need.capacity:
            reasons = [{"constraint": "full", "label": "", "reason": _("Every place is taken.")}, *reasons]
        answers.append((need, not reasons, reasons, None))
    return answers


def signup_need_get(user: User, pk: int) -> Need:
    """An open future shift of one of the volunteer's programmes; Need.DoesNotExist otherwise.
    Whether they may take it is the sign-up service's question (the same check as matching)."""
    volunteer = VolunteerProfile.objects.filter(user=user).first()
    if volunteer is None:
        raise Need.DoesNotExist
    return Need.objects.select_related("programme").get(
        pk=pk,
        programme_id__in=volunteer_programme_ids(volunteer),
        kind=NeedKind.SHIFT,
        status=NeedStatus.OPEN,
        starts_at__gt=timezone.now(),
    )


def batch_runs_for(user: User, programme=None):
    runs = BatchRun.objects.filter(programme_id__in=coordinated_programme_ids(user)).select_related("programme")
    return runs.filter(programme=programme) if programme is not None else runs


def batch_run_get(user: User, pk: int) -> BatchRun:
    return batch_runs_for(user).get(pk=pk)


def batch_runs_by_key(user: User, key: str, programme=None):
    """The runs `user` started with this request key (in `programme`, or in any programme
    they coordinate), found through their idempotency records: another person's key, or
    theirs in another programme when one is given, finds nothing."""
    made = idempotent_result_ids(user, operation=BATCH_RUN, key=key, model=BatchRun, programme=programme)
    return batch_runs_for(user, programme).filter(pk__in=made)
