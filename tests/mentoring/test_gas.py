"""The Goal Attainment Scaling formula against worked values (PRODUCT.md, rho = 0.3)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentoring.gas import t_score


def test_every_goal_at_the_expected_outcome_gives_50():
    assert t_score([(0, 1), (0, 3), (0, 2)]) == 50.0


def test_three_equal_goals_at_plus_one_give_63_69():
    # 50 + 10 * 3 / sqrt(0.7 * 3 + 0.3 * 9) = 50 + 30 / sqrt(4.8)
    assert t_score([(1, 1), (1, 1), (1, 1)]) == 63.69


def test_unequal_weights_worked_by_hand():
    # Levels +2 (weight 3) and -1 (weight 1): sum w*x = 5; sum w^2 = 10; (sum w)^2 = 16.
    # T = 50 + 10 * 5 / sqrt(0.7 * 10 + 0.3 * 16) = 50 + 50 / sqrt(11.8) = 64.555...
    assert t_score([(2, 3), (-1, 1)]) == 64.56


def test_one_goal_at_minus_two_gives_30():
    # sqrt(0.7 + 0.3) = 1: one goal moves T by 10 per level.
    assert t_score([(-2, 1)]) == 30.0


def test_no_goals_have_no_score():
    assert t_score([]) is None


@given(st.lists(st.tuples(st.integers(-2, 2), st.integers(1, 10)), min_size=1, max_size=8))
def test_scaling_weights_changes_nothing_raising_a_level_raises_it_and_mirroring_mirrors(goals):
    doubled = [(level, weight * 2) for level, weight in goals]
    assert t_score(doubled) == pytest.approx(t_score(goals), abs=0.011)
    level, weight = goals[0]
    if level < 2:
        assert t_score([(level + 1, weight), *goals[1:]]) > t_score(goals)
    # Every level mirrored mirrors the score about 50.
    assert t_score([(-level, weight) for level, weight in goals]) == pytest.approx(100 - t_score(goals), abs=0.011)
