"""Optimal batch assignment, and the greedy pass it must never do worse than.

A Problem is a set of edges (a volunteer who may fill a need, with the score of
that pairing) and the limits on them: places per need, new assignments per
volunteer, minutes a week per volunteer, and groups of edges of which at most
one may be chosen (one volunteer's clashing shifts). `solve` maximises the total
score with HiGHS (scipy): without clash groups and minute budgets the
constraint matrix is that of a bipartite b-matching, totally unimodular, so the
LP relaxation solved by dual simplex lands on an integral vertex and that is
the optimum; when it does not (clashes, budgets), HiGHS's mixed-integer solver
branches, under a time limit. The greedy pass runs too and the better
of the two is returned, so the answer is never worse than greedy even if the
solver stops at its time limit.

Both are deterministic: the edges arrive in a fixed order, HiGHS is run with
the same options, and greedy breaks ties by (need, volunteer) position.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

UNLIMITED = np.iinfo(np.int32).max


@dataclass
class Problem:
    scores: np.ndarray  # float per edge
    need: np.ndarray  # need position per edge
    volunteer: np.ndarray  # volunteer position per edge
    need_capacity: np.ndarray  # per need position
    volunteer_capacity: np.ndarray  # per volunteer position (UNLIMITED for none)
    minutes: np.ndarray | None = None  # per edge, counted against volunteer_minutes
    volunteer_minutes: np.ndarray | None = None  # per volunteer position (inf for none)
    exclusive: list[np.ndarray] = field(default_factory=list)  # edge positions, at most one of each group

    @property
    def edges(self) -> int:
        return len(self.scores)


@dataclass
class Solution:
    chosen: np.ndarray  # bool per edge
    total: float
    greedy_total: float
    solver: str

    @property
    def filled(self) -> int:
        return int(self.chosen.sum())


def total(problem: Problem, chosen: np.ndarray) -> float:
    return round(float(problem.scores[chosen].sum()), 6)


def feasible(problem: Problem, chosen: np.ndarray) -> bool:
    if (np.bincount(problem.need[chosen], minlength=len(problem.need_capacity)) > problem.need_capacity).any():
        return False
    per_volunteer = np.bincount(problem.volunteer[chosen], minlength=len(problem.volunteer_capacity))
    if (per_volunteer > problem.volunteer_capacity).any():
        return False
    if problem.minutes is not None:
        used = np.bincount(
            problem.volunteer[chosen], weights=problem.minutes[chosen], minlength=len(problem.volunteer_minutes)
        )
        if (used > problem.volunteer_minutes + 1e-9).any():
            return False
    return all(chosen[group].sum() <= 1 for group in problem.exclusive)


def greedy(problem: Problem) -> np.ndarray:
    """Best score first, taking each edge whose need and volunteer still have room."""
    chosen = np.zeros(problem.edges, dtype=bool)
    need_left = problem.need_capacity.astype(np.int64).copy()
    volunteer_left = problem.volunteer_capacity.astype(np.int64).copy()
    minutes_left = None if problem.volunteer_minutes is None else problem.volunteer_minutes.astype(float).copy()
    group_of: dict[int, list[int]] = {}
    for g, group in enumerate(problem.exclusive):
        for edge in group.tolist():
            group_of.setdefault(edge, []).append(g)
    group_used = np.zeros(len(problem.exclusive), dtype=bool)
    order = np.lexsort((problem.volunteer, problem.need, -problem.scores))
    for edge in order.tolist():
        n, v = problem.need[edge], problem.volunteer[edge]
        if need_left[n] <= 0 or volunteer_left[v] <= 0:
            continue
        if minutes_left is not None and problem.minutes[edge] > minutes_left[v] + 1e-9:
            continue
        groups = group_of.get(edge, ())
        if any(group_used[g] for g in groups):
            continue
        chosen[edge] = True
        need_left[n] -= 1
        volunteer_left[v] -= 1
        if minutes_left is not None:
            minutes_left[v] -= problem.minutes[edge]
        for g in groups:
            group_used[g] = True
    return chosen


def _groups(keys: np.ndarray) -> list[np.ndarray]:
    """Edge positions grouped by key, in key order."""
    if len(keys) == 0:
        return []
    order = np.argsort(keys, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(keys[order])) + 1)


def _rows(problem: Problem):
    """The constraint matrix: one row per need, per limited volunteer, per minute budget and per clash group."""
    rows, cols, values, upper = [], [], [], []
    row = 0
    for members in _groups(problem.need):
        n = problem.need[members[0]]
        if len(members) > problem.need_capacity[n]:
            rows += [row] * len(members)
            cols += members.tolist()
            values += [1.0] * len(members)
            upper.append(float(problem.need_capacity[n]))
            row += 1
    for members in _groups(problem.volunteer):
        v = problem.volunteer[members[0]]
        if len(members) > problem.volunteer_capacity[v]:
            rows += [row] * len(members)
            cols += members.tolist()
            values += [1.0] * len(members)
            upper.append(float(problem.volunteer_capacity[v]))
            row += 1
        if problem.minutes is not None and problem.minutes[members].sum() > problem.volunteer_minutes[v]:
            rows += [row] * len(members)
            cols += members.tolist()
            values += problem.minutes[members].astype(float).tolist()
            upper.append(float(problem.volunteer_minutes[v]))
            row += 1
    for group in problem.exclusive:
        if len(group) > 1:
            rows += [row] * len(group)
            cols += group.tolist()
            values += [1.0] * len(group)
            upper.append(1.0)
            row += 1
    return csr_array((values, (rows, cols)), shape=(row, problem.edges)), np.array(upper)


def solve(problem: Problem, *, time_limit: float = 30.0) -> Solution:
    """The assignment with the highest total score, or greedy's if the solver found nothing better in time."""
    greedy_chosen = greedy(problem)
    greedy_total = total(problem, greedy_chosen)
    if problem.edges == 0:
        return Solution(greedy_chosen, 0.0, 0.0, "none")
    matrix, upper = _rows(problem)
    constraint_args = {"A_ub": matrix, "b_ub": upper} if matrix.shape[0] else {}
    # The LP relaxation first: for a plain b-matching its optimal vertex is integral, and
    # an integral LP optimum is an optimum of the integer problem, found in a fraction of
    # the time the branch-and-bound takes to prove it.
    relaxed = linprog(-problem.scores.astype(float), bounds=(0, 1), method="highs-ds", **constraint_args)
    if relaxed.status == 0:
        x = relaxed.x
        if np.all((x < 1e-7) | (x > 1 - 1e-7)):
            chosen = x > 0.5
            if feasible(problem, chosen) and total(problem, chosen) >= greedy_total:
                return Solution(chosen, total(problem, chosen), greedy_total, "highs-lp (integral)")
    constraints = [LinearConstraint(matrix, -np.inf, upper)] if matrix.shape[0] else []
    result = milp(
        c=-problem.scores.astype(float),
        constraints=constraints,
        integrality=np.ones(problem.edges),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "presolve": True, "mip_rel_gap": 0},
    )
    if result.x is not None:
        chosen = result.x > 0.5
        if feasible(problem, chosen) and total(problem, chosen) >= greedy_total:
            name = "highs-milp" if result.status == 0 else "highs-milp (time limit)"
            return Solution(chosen, total(problem, chosen), greedy_total, name)
    return Solution(greedy_chosen, greedy_total, greedy_total, "greedy")
