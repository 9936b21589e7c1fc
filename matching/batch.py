"""A batch run: fill every open need of a programme at once, optimally.

The programme's volunteers are loaded once as a Pool and every need is scored
against it (matching.evaluate); the best TOP_K eligible candidates of each need
become the edges of an assignment problem whose limits are the places left on
each need, the mentees and weekly hours each mentor has left, and one shift at a
time for everyone (matching.solver). The chosen edges are written as proposals
in one transaction.

Safe to run twice: a run that is no longer queued is left alone, and places are
counted from the live matches, so a second run over the same needs finds them
filled by the first run's proposals and proposes nothing more.

Progress is written in short transactions of its own, so the page polling it
sees it move while the run works.
"""

import logging
from collections import defaultdict

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.evaluate import (
    COMPONENTS,
    component_labels,
    constraint_labels,
    evaluate,
    label_requirements,
    need_requirements,
    programme_weights,
)
from matching.models import (
    LIVE_STATUSES,
    BatchRun,
    BatchStatus,
    Match,
    MatchEvent,
    MatchStatus,
    Need,
    NeedKind,
    NeedStatus,
)
from matching.pool import load_pool
from matching.solver import UNLIMITED, Problem, solve
from timebank.accounts.services.audit import audit_record
from timebank.volunteers.models import VolunteerProfile

logger = logging.getLogger(__name__)

# Candidates kept per need: far more than the three places a need has at most, so the
# optimum over them is the optimum over all (a need can lose at most its other
# candidates' places to other needs).
TOP_K = 60


def _progress(run_id: int, percent: int, stage: str) -> None:
    BatchRun.objects.filter(pk=run_id).update(progress=percent, stage=stage)


def open_needs(programme):
    return list(
        Need.objects.filter(programme=programme, status=NeedStatus.OPEN, starts_at__gt=timezone.now())
        .prefetch_related("required_courses", "required_checks")
        .order_by("pk")
    )


def _clash_groups(edges_of_volunteer: dict[int, list[tuple[float, float, int]]]) -> list[np.ndarray]:
    """For each volunteer, the maximal sets of their candidate shifts that overlap in time:
    at most one shift of each set may be theirs."""
    groups = []
    for volunteer in sorted(edges_of_volunteer):
        spans = sorted(edges_of_volunteer[volunteer])
        if len(spans) < 2:
            continue
        # Sweep: the shifts running at each start form a clique; keep the maximal ones.
        active: list[tuple[float, float, int]] = []
        last_emitted: set[int] = set()
        for start, end, edge in spans:
            active = [a for a in active if a[1] > start]
            active.append((start, end, edge))
            members = {a[2] for a in active}
            if len(members) > 1:
                if last_emitted and last_emitted <= members and groups:
                    groups[-1] = np.array(sorted(members))
                else:
                    groups.append(np.array(sorted(members)))
                last_emitted = members
            else:
                last_emitted = set()
    return groups


def build_problem(needs, pool, weights, on_progress=None):
    """Score every need against the pool and build the assignment problem.

    Returns (problem, edge_volunteers, per_need, explanations): per_need holds for each
    need its places left and, when nobody is eligible, why; explanations holds each
    edge's (component, value, contribution) triples."""
    scores, edge_need, edge_volunteer, minutes, explanations = [], [], [], [], []
    need_capacity = []
    per_need = []
    shift_spans: dict[int, list] = defaultdict(list)
    labels = constraint_labels()
    for position, need in enumerate(needs):
        live = sum(1 for s in pool.need_matches.get(need.pk, {}).values() if s in LIVE_STATUSES)
        left = max(need.capacity - live, 0)
        need_capacity.append(left)
        info = {"need": need, "left": left, "eligible": 0, "why": ""}
        per_need.append(info)
        if left:
            evaluation = evaluate(need, pool, weights=weights, requirements=need_requirements(need, pool))
            ranked = evaluation.ranked_indexes(TOP_K)
            info["eligible"] = int(evaluation.eligible.sum())
            if not len(ranked):
                counts = evaluation.exclusion_counts()
                info["why"] = (
                    _("Nobody eligible (%(counts)s).")
                    % {"counts": "; ".join(f"{labels[name].lower()}: {count}" for name, count in counts.items())}
                    if counts
                    else _("No volunteers in the programme.")
                )
            for index in ranked.tolist():
                edge = len(scores)
                scores.append(float(evaluation.score[index]))
                edge_need.append(position)
                edge_volunteer.append(index)
                minutes.append(need.minutes_per_week if need.kind == NeedKind.MENTORING else 0)
                explanations.append(
                    [
                        (name, float(evaluation.components[name][index]), float(evaluation.contributions[name][index]))
                        for name in COMPONENTS
                    ]
                )
                if need.kind == NeedKind.SHIFT:
                    shift_spans[index].append((need.starts_at.timestamp(), need.ends_at.timestamp(), edge))
        if on_progress and (position % 50 == 0 or position == len(needs) - 1):
            on_progress(position + 1, len(needs))
    size = pool.size
    edge_volunteer = np.array(edge_volunteer, dtype=np.int64)
    is_mentoring = np.array(
        [m > 0 or needs[n].kind == NeedKind.MENTORING for m, n in zip(minutes, edge_need, strict=True)], dtype=bool
    )
    # Mentoring places count against the mentor's mentees left; shifts only against clashes.
    # A volunteer's two kinds of edge are two rows of the problem: v and size + v.
    solver_volunteer = np.where(is_mentoring, edge_volunteer, size + edge_volunteer) if len(scores) else edge_volunteer
    capacity = np.concatenate([np.maximum(pool.max_mentees - pool.live_mentoring, 0), np.full(size, UNLIMITED)]).astype(
        np.int64
    )
    budget = np.concatenate([pool.max_minutes_week - pool.live_minutes_week, np.full(size, np.inf)])
    problem = Problem(
        scores=np.array(scores, dtype=np.float64),
        need=np.array(edge_need, dtype=np.int64),
        volunteer=solver_volunteer.astype(np.int64),
        need_capacity=np.array(need_capacity, dtype=np.int64),
        volunteer_capacity=capacity,
        minutes=np.array(minutes, dtype=np.float64),
        volunteer_minutes=budget,
        exclusive=_clash_groups(shift_spans),
    )
    return problem, edge_volunteer, per_need, explanations


def batch_run_execute(run_id: int) -> BatchRun:
    """Run a queued batch: score, solve, write the proposals and the results table."""
    with transaction.atomic():
        run = BatchRun.objects.select_for_update(no_key=True).select_related("programme", "started_by").get(pk=run_id)
        if run.status != BatchStatus.QUEUED:
            return run
        run.status = BatchStatus.RUNNING
        run.save(update_fields=["status"])
    try:
        return _execute(run)
    except Exception as exc:
        logger.exception("batch run %s failed", run_id)
        BatchRun.objects.filter(pk=run_id).update(
            status=BatchStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise


def _execute(run: BatchRun) -> BatchRun:
    programme = run.programme
    _progress(run.pk, 5, _("Loading volunteers"))
    needs = open_needs(programme)
    pool = load_pool(programme)
    weights = programme_weights(programme)
    keys = sorted({key for need in needs for key in need_requirements(need, pool)})
    label_requirements(pool, keys)
    _progress(run.pk, 15, _("Scoring candidates"))

    def on_progress(done, total):
        _progress(
            run.pk,
            15 + int(60 * done / max(total, 1)),
            _("Scoring candidates (%(done)d of %(total)d needs)") % {"done": done, "total": total},
        )

    problem, edge_volunteer, per_need, explanations = build_problem(needs, pool, weights, on_progress)
    _progress(run.pk, 80, _("Finding the best assignment"))
    solution = solve(problem)
    _progress(run.pk, 90, _("Writing proposals"))

    chosen = np.flatnonzero(solution.chosen)
    proposed_by_need = defaultdict(list)
    for edge in chosen.tolist():
        proposed_by_need[int(problem.need[edge])].append((int(edge_volunteer[edge]), float(problem.scores[edge]), edge))

    with transaction.atomic():
        # Lock the needs in primary-key order and count their places again: a coordinator
        # may have proposed someone while the run was scoring.
        locked = {
            n.pk: n
            for n in Need.objects.select_for_update(no_key=True).filter(pk__in=[n.pk for n in needs]).order_by("pk")
        }
        live = defaultdict(set)
        for need_id, volunteer_id in Match.objects.filter(need_id__in=locked, status__in=LIVE_STATUSES).values_list(
            "need_id", "volunteer_id"
        ):
            live[need_id].add(volunteer_id)
        volunteer_ids = sorted({int(pool.ids[p[0]]) for picks in proposed_by_need.values() for p in picks})
        list(
            VolunteerProfile.objects.select_for_update(no_key=True)
            .filter(pk__in=volunteer_ids)
            .order_by("pk")
            .values_list("pk")
        )
        results, matches = [], []
        for position, info in enumerate(per_need):
            need = info["need"]
            picks = sorted(proposed_by_need.get(position, []), key=lambda p: (-p[1], int(pool.ids[p[0]])))
            room = need.capacity - len(live[need.pk])
            row_picks = []
            for index, score, edge in picks:
                volunteer_id = int(pool.ids[index])
                if room <= 0 or volunteer_id in live[need.pk]:
                    continue
                matches.append(
                    Match(
                        need=need,
                        volunteer_id=volunteer_id,
                        status=MatchStatus.PROPOSED,
                        score=score,
                        explanation=_explanation(explanations[edge], weights),
                        batch_run=run,
                        created_by=run.started_by,
                    )
                )
                live[need.pk].add(volunteer_id)
                room -= 1
                row_picks.append({"volunteer": volunteer_id, "name": pool.names[index], "score": score})
            unfilled = max(info["left"] - len(row_picks), 0)
            why = ""
            if unfilled:
                why = info["why"] or _(
                    "%(eligible)d eligible; the others were placed where they scored higher or clashed."
                ) % {"eligible": info["eligible"]}
            results.append(
                {
                    "need": need.pk,
                    "title": need.title,
                    "kind": need.kind,
                    "starts_at": need.starts_at.isoformat(),
                    "capacity": need.capacity,
                    "open_before": info["left"],
                    "proposed": row_picks,
                    "unfilled": unfilled,
                    "why_unfilled": why,
                }
            )
        created = Match.objects.bulk_create(matches)
        MatchEvent.objects.bulk_create(
            [
                MatchEvent(
                    match=m,
                    status=MatchStatus.PROPOSED,
                    actor=run.started_by,
                    note=_("batch run %(id)d") % {"id": run.pk},
                )
                for m in created
            ]
        )
        run.status = BatchStatus.DONE
        run.progress = 100
        run.stage = _("Done")
        run.finished_at = timezone.now()
        run.needs_considered = len(needs)
        run.places_open = sum(info["left"] for info in per_need)
        run.places_filled = len(created)
        run.total_score = round(sum(m.score for m in created), 4)
        run.greedy_score = solution.greedy_total
        run.solver = solution.solver
        run.results = results
        run.save()
        audit_record(
            actor=run.started_by,
            action="batch.done",
            target=run,
            programme=programme,
            changes={"proposed": len(created), "total_score": run.total_score},
        )
    return run


def _explanation(triples, weights) -> list[dict]:
    labels = component_labels()
    return [
        {
            "component": name,
            "label": labels[name],
            "value": round(value, 4),
            "weight": weights[name],
            "contribution": contribution,
            "detail": "",
        }
        for name, value, contribution in triples
    ]
