"""The batch solver: optimal against brute force, deterministic, never worse than greedy,
and never over anyone's capacity."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.solver import UNLIMITED, Problem, feasible, greedy, solve, total


@st.composite
def problems(draw):
    needs = draw(st.integers(1, 4))
    volunteers = draw(st.integers(1, 4))
    pairs = [(n, v) for n in range(needs) for v in range(volunteers)]
    chosen_pairs = draw(st.lists(st.sampled_from(pairs), unique=True, min_size=1, max_size=min(len(pairs), 9)))
    chosen_pairs.sort()
    scores = draw(st.lists(st.integers(0, 100), min_size=len(chosen_pairs), max_size=len(chosen_pairs)))
    need_capacity = draw(st.lists(st.integers(0, 3), min_size=needs, max_size=needs))
    volunteer_capacity = draw(
        st.lists(st.one_of(st.integers(0, 2), st.just(UNLIMITED)), min_size=volunteers, max_size=volunteers)
    )
    with_minutes = draw(st.booleans())
    minutes = draw(st.lists(st.sampled_from([0, 60, 120]), min_size=len(chosen_pairs), max_size=len(chosen_pairs)))
    budgets = draw(st.lists(st.sampled_from([60.0, 120.0, np.inf]), min_size=volunteers, max_size=volunteers))
    # Clash groups: some of one volunteer's edges that may not be taken together.
    groups = []
    for v in range(volunteers):
        mine = [i for i, (_n, vv) in enumerate(chosen_pairs) if vv == v]
        if len(mine) >= 2 and draw(st.booleans()):
            groups.append(np.array(sorted(draw(st.lists(st.sampled_from(mine), min_size=2, max_size=3, unique=True)))))
    return Problem(
        scores=np.array(scores, dtype=float) / 100,
        need=np.array([n for n, _v in chosen_pairs]),
        volunteer=np.array([v for _n, v in chosen_pairs]),
        need_capacity=np.array(need_capacity),
        volunteer_capacity=np.array(volunteer_capacity),
        minutes=np.array(minutes, dtype=float) if with_minutes else None,
        volunteer_minutes=np.array(budgets) if with_minutes else None,
        exclusive=groups,
    )


def brute_force(problem: Problem) -> float:
    best = 0.0
    for picks in itertools.product([False, True], repeat=problem.edges):
        chosen = np.array(picks, dtype=bool)
        if feasible(problem, chosen):
            best = max(best, total(problem, chosen))
    return best


@settings(max_examples=150, deadline=None)
@given(problems())
def test_the_solver_finds_the_brute_force_optimum_and_beats_or_ties_greedy(problem):
    solution = solve(problem)

    assert feasible(problem, solution.chosen)
    assert solution.total == brute_force(problem)
    assert solution.total >= total(problem, greedy(problem))
    assert solution.greedy_total == total(problem, greedy(problem))


@settings(max_examples=50, deadline=None)
@given(problems())
def test_the_same_input_gives_the_same_assignment(problem):
    first, second = solve(problem), solve(problem)

    assert np.array_equal(first.chosen, second.chosen)
    assert first.solver == second.solver


def test_greedy_is_beaten_where_taking_the_best_pair_first_blocks_two_others():
    # Ann scores best on the kitchen (0.9) but is the only one who can do the garden;
    # greedy gives her the kitchen and leaves the garden empty, the optimum moves her.
    problem = Problem(
        scores=np.array([0.9, 0.8, 0.5]),
        need=np.array([0, 1, 0]),  # kitchen, garden, kitchen
        volunteer=np.array([0, 0, 1]),  # Ann, Ann, Ben
        need_capacity=np.array([1, 1]),
        volunteer_capacity=np.array([1, 1]),
    )

    solution = solve(problem)

    assert solution.greedy_total == 0.9
    assert solution.total == 1.3
    assert solution.chosen.tolist() == [False, True, True]


def test_nothing_to_assign_is_an_empty_answer():
    empty = np.array([], dtype=np.int64)
    problem = Problem(np.array([]), empty, empty, np.array([1]), np.array([1]))

    solution = solve(problem)

    assert solution.filled == 0 and solution.total == 0.0
