"""Goal Attainment Scaling: the composite T-score of a person's goals.

    T = 50 + 10 * sum(w_i * x_i) / sqrt((1 - rho) * sum(w_i^2) + rho * (sum(w_i))^2),  rho = 0.3

x_i is the level reached on goal i (-2 to +2, 0 the expected outcome) and w_i its
weight. All goals at 0 give 50; three equally weighted goals at +1 give 63.69.
"""

import datetime as dt
import math
from dataclasses import dataclass

RHO = 0.3


def t_score(levels_and_weights: list[tuple[int, int]], rho: float = RHO) -> float | None:
    """The T-score of (level, weight) pairs, rounded to two places; None without goals."""
    if not levels_and_weights:
        return None
    weighted = sum(weight * level for level, weight in levels_and_weights)
    weights = [weight for _level, weight in levels_and_weights]
    spread = math.sqrt((1 - rho) * sum(w * w for w in weights) + rho * sum(weights) ** 2)
    return round(50 + 10 * weighted / spread, 2)


@dataclass
class ScorePoint:
    on: dt.date | None  # None: the baseline
    t: float


def score_history(goals) -> list[ScorePoint]:
    """The person's T-score at baseline and at each date a goal was reviewed.

    `goals`: the goals counted (dropped ones left out by the caller), each with its
    reviews prefetched. At each review date every goal stands at its latest review on or
    before that date, or at its baseline if it has none yet."""
    goals = list(goals)
    if not goals:
        return []
    reviews = {goal.pk: sorted(goal.reviews.all(), key=lambda r: (r.reviewed_on, r.pk)) for goal in goals}
    points = [ScorePoint(None, t_score([(goal.baseline_level, goal.weight) for goal in goals]))]
    for day in sorted({review.reviewed_on for rs in reviews.values() for review in rs}):
        pairs = []
        for goal in goals:
            reached = [review.level for review in reviews[goal.pk] if review.reviewed_on <= day]
            pairs.append((reached[-1] if reached else goal.baseline_level, goal.weight))
        points.append(ScorePoint(day, t_score(pairs)))
    return points
