"""Score every volunteer of a Pool for one Need: hard constraints, then the soft score.

The same function answers the ranked list of candidates, "why not" for a named
volunteer, a volunteer's own sign-up check and the batch assignment, so they
cannot disagree. It works on whole arrays: one need against fifty thousand
volunteers is a few dozen numpy operations, and no query.

Hard constraints (a volunteer failing any is excluded, with every reason):
active membership, the mentor role for mentoring, every required qualification
(the role's and the need's) valid on every day of the work, safeguarding
(children or vulnerable adults: willing, and a valid check that clears it),
availability overlap, travel distance, capacity (a clashing shift, mentees,
hours a week), a recorded exclusion, the gender a person asked for, and
already being matched to (or having declined) this need.

Soft score in [0, 1]: the weighted mean of seven components in [0, 1]. Each
contribution is rounded to four places and the score is their sum, so an
explanation always adds up to the score it explains.
"""

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from matching.models import LIVE_STATUSES, MatchingWeights, MatchStatus, Need, NeedKind
from matching.pool import KM_PER_DEGREE, SLOT_MINUTES, WEEK_SLOTS, Pool, local_date, slots_between, week_slot
from timebank.accounts.models import Role
from timebank.common.languages import language_name
from timebank.training.models import CheckType, Course

COMPONENTS = ("skills", "languages", "distance", "availability", "topics", "continuity", "load")
CONSTRAINTS = (
    "membership",
    "role",
    "qualification",
    "safeguarding",
    "availability",
    "distance",
    "capacity",
    "exclusion",
    "preference",
    "already",
)


def component_labels() -> dict[str, str]:
    return {
        "skills": _("Skills"),
        "languages": _("Languages"),
        "distance": _("Distance"),
        "availability": _("Availability"),
        "topics": _("Topics and interests"),
        "continuity": _("Continuity"),
        "load": _("Current load"),
    }


def constraint_labels() -> dict[str, str]:
    return {
        "membership": _("Not active in the programme"),
        "role": _("Not a mentor"),
        "qualification": _("Qualification not valid"),
        "safeguarding": _("Safeguarding"),
        "availability": _("No availability overlap"),
        "distance": _("Too far"),
        "capacity": _("At capacity"),
        "exclusion": _("Excluded by a coordinator"),
        "preference": _("Preference not met"),
        "already": _("Already matched or declined"),
    }


def programme_weights(programme) -> dict[str, int]:
    weights = MatchingWeights.objects.filter(programme=programme).first() or MatchingWeights(programme=programme)
    return {name: getattr(weights, name) for name in COMPONENTS}


@dataclass
class Candidate:
    volunteer_id: int
    name: str
    score: float
    explanation: list[dict]
    distance_km: float | None


@dataclass
class Evaluation:
    need: Need
    pool: Pool
    failed: dict[str, np.ndarray]  # constraint -> bool array (True: excluded by it)
    eligible: np.ndarray
    components: dict[str, np.ndarray]
    contributions: dict[str, np.ndarray]
    score: np.ndarray
    weights: dict[str, int]
    distance_km: np.ndarray
    requirement_failures: dict[tuple[str, int], np.ndarray]
    clearance: dict[str, np.ndarray]

    def ranked_indexes(self, limit: int | None = None) -> np.ndarray:
        """Eligible volunteers, best first; ties go to the lower volunteer id (deterministic)."""
        eligible = np.flatnonzero(self.eligible)
        order = np.lexsort((self.pool.ids[eligible], -self.score[eligible]))
        ranked = eligible[order]
        return ranked if limit is None else ranked[:limit]

    def candidate(self, index: int) -> Candidate:
        labels = component_labels()
        explanation = [
            {
                "component": name,
                "label": labels[name],
                "value": round(float(self.components[name][index]), 4),
                "weight": self.weights[name],
                "contribution": float(self.contributions[name][index]),
                "detail": self._detail(name, index),
            }
            for name in COMPONENTS
        ]
        distance = self.distance_km[index]
        return Candidate(
            volunteer_id=int(self.pool.ids[index]),
            name=self.pool.names[index],
            score=float(self.score[index]),
            explanation=explanation,
            distance_km=None if math.isnan(distance) else round(float(distance), 1),
        )

    def top(self, limit: int = 10) -> list[Candidate]:
        return [self.candidate(int(i)) for i in self.ranked_indexes(limit)]

    def exclusion_counts(self) -> dict[str, int]:
        return {name: int(mask.sum()) for name, mask in self.failed.items() if mask.any()}

    def reasons(self, index: int) -> list[dict]:
        """Every hard constraint that excludes this volunteer, each with a sentence a coordinator can act on."""
        labels = constraint_labels()
        return [
            {"constraint": name, "label": labels[name], "reason": self._reason(name, index)}
            for name in CONSTRAINTS
            if self.failed[name][index]
        ]

    # Sentences ----------------------------------------------------------------

    def _detail(self, name: str, index: int) -> str:
        pool, need = self.pool, self.need
        if name == "distance":
            distance = self.distance_km[index]
            if math.isnan(distance):
                return _("no place to travel to")
            return _("%(km).1f km away; travels up to %(max)d km") % {"km": distance, "max": pool.travel_km[index]}
        if name == "languages":
            return _shared_or_missing(
                [language_name(c) for c in need.languages if _has(pool.languages, pool.language_codes, index, c)],
                [language_name(c) for c in need.languages],
            )
        if name == "skills":
            return _shared_or_missing(
                [s for s in need.skills if _has(pool.skills, pool.skill_codes, index, s)], need.skills
            )
        if name == "topics":
            return _shared_or_missing(
                [t for t in need.topics if _has(pool.interests, pool.interest_codes, index, t)], need.topics
            )
        if name == "continuity":
            return _("has worked with them before") if self.components[name][index] else _("new to them")
        if name == "load":
            return _("%(count)d live matches") % {"count": pool.live_total[index]}
        if name == "availability":
            return _("%(percent)d%% of the time overlaps") % {"percent": round(self.components[name][index] * 100)}
        return ""

    def _reason(self, name: str, index: int) -> str:
        pool, need = self.pool, self.need
        if name == "membership":
            return _("Not an active volunteer of %(programme)s.") % {"programme": pool.programme}
        if name == "role":
            return _("Does not hold the mentor role in %(programme)s.") % {"programme": pool.programme}
        if name == "qualification":
            return " ".join(
                self._requirement_sentence(key, index) for key, mask in self.requirement_failures.items() if mask[index]
            )
        if name == "safeguarding":
            return _safeguarding_sentence(self, index)
        if name == "availability":
            return _("None of their weekly availability overlaps the time of this need.")
        if name == "distance":
            distance = self.distance_km[index]
            if math.isnan(distance):
                return _("Their area is not on their profile, so the distance cannot be checked.")
            return _("%(km).1f km away; they travel up to %(max)d km.") % {
                "km": distance,
                "max": pool.travel_km[index],
            }
        if name == "capacity":
            return _capacity_sentence(self, index)
        if name == "exclusion":
            return _("A coordinator recorded: %(reason)s") % {
                "reason": pool.exclusions.get(need.group_key, {}).get(index, "")
            }
        if name == "preference":
            return _("They asked for a mentor who is: %(gender)s.") % {"gender": need.get_preferred_gender_display()}
        if name == "already":
            status = pool.need_matches.get(need.pk, {}).get(index)
            if status == MatchStatus.DECLINED:
                return _("Declined this need before.")
            return _("Already %(status)s for this need.") % {"status": MatchStatus(status).label.lower()}
        return ""

    def _requirement_sentence(self, key: tuple[str, int], index: int) -> str:
        pool = self.pool
        label = pool.requirement_labels.get(key, str(key))
        first, last = work_days(self.need)
        intervals = pool.intervals.get(key)
        spans = []
        if intervals is not None:
            mine = intervals.index == index
            spans = list(zip(intervals.starts[mine].tolist(), intervals.ends[mine].tolist(), strict=True))
        if not spans:
            return _("%(requirement)s: missing.") % {"requirement": label}
        # The first day of the work that no record covers.
        day = first
        for start, end in sorted(spans):
            if start <= day < end:
                day = end
        day = min(day, last)
        ended = [end for start, end in spans if end <= day]
        if ended:
            return _("%(requirement)s expired on %(expired)s; the work runs until %(last)s.") % {
                "requirement": label,
                "expired": date_format(dt.date.fromordinal(max(ended)), "DATE_FORMAT"),
                "last": date_format(dt.date.fromordinal(last), "DATE_FORMAT"),
            }
        return _("%(requirement)s: not valid until after the work starts.") % {"requirement": label}


def _shared_or_missing(shared: list[str], wanted: list[str]) -> str:
    if not wanted:
        return _("none asked for")
    if not shared:
        return _("none of %(wanted)s") % {"wanted": ", ".join(wanted)}
    return ", ".join(shared)


def _has(matrix, codes, index, value) -> bool:
    code = codes.get(str(value).strip().lower())
    return code is not None and bool(matrix[index, code])


def _safeguarding_sentence(evaluation: Evaluation, index: int) -> str:
    pool, need = evaluation.pool, evaluation.need
    parts = []
    if need.involves_children:
        if not pool.willing_children[index]:
            parts.append(_("Has not said they are willing to work with children."))
        elif not evaluation.clearance["children"][index]:
            parts.append(_("No valid background check clearing work with children for every day of the work."))
    if need.involves_vulnerable_adults:
        if not pool.willing_vulnerable_adults[index]:
            parts.append(_("Has not said they are willing to work with vulnerable adults."))
        elif not evaluation.clearance["vulnerable_adults"][index]:
            parts.append(_("No valid background check clearing work with vulnerable adults for every day of the work."))
    if need.home_visits and not pool.willing_home_visits[index]:
        parts.append(_("Has not said they are willing to make home visits."))
    return " ".join(parts)


def _capacity_sentence(evaluation: Evaluation, index: int) -> str:
    pool, need = evaluation.pool, evaluation.need
    if need.kind == NeedKind.SHIFT:
        clashes = [title for (i, _s, _e, need_id, title) in _clashing(pool, need) if i == index]
        return _("Clashes with another commitment: %(titles)s.") % {"titles": ", ".join(clashes)}
    if pool.live_mentoring[index] >= pool.max_mentees[index]:
        return _("Already mentors %(count)d of the %(max)d they can take on.") % {
            "count": pool.live_mentoring[index],
            "max": pool.max_mentees[index],
        }
    return _("%(hours)s more hours a week would exceed the %(max)d they can give.") % {
        "hours": round(need.minutes_per_week / 60, 1),
        "max": pool.max_minutes_week[index] // 60,
    }


def work_days(need: Need) -> tuple[int, int]:
    """The first and last day of the work, as ordinals (the end instant itself excluded)."""
    first = local_date(need.starts_at)
    last = local_date(need.ends_at - dt.timedelta(microseconds=1))
    return first.toordinal(), max(first, last).toordinal()


def need_slots(need: Need) -> np.ndarray:
    """The half-hour slots of the week the need takes (a shift) or offers (a person's weekly times)."""
    mask = np.zeros(WEEK_SLOTS, dtype=bool)
    if need.kind == NeedKind.SHIFT:
        start = timezone.localtime(need.starts_at)
        end = timezone.localtime(need.ends_at)
        if end - start >= dt.timedelta(days=7):
            mask[:] = True
            return mask
        cursor = start.replace(minute=start.minute - start.minute % SLOT_MINUTES, second=0, microsecond=0)
        while cursor < end:
            mask[week_slot(cursor.weekday(), cursor.hour * 60 + cursor.minute)] = True
            cursor += dt.timedelta(minutes=SLOT_MINUTES)
        return mask
    if not need.weekly_slots:
        mask[:] = True
        return mask
    for weekday, start, end in need.weekly_slots:
        span = slots_between(int(weekday), dt.time.fromisoformat(start), dt.time.fromisoformat(end))
        mask[span.start : span.stop] = True
    return mask


def _clashing(pool: Pool, need: Need):
    start, end = need.starts_at.timestamp(), need.ends_at.timestamp()
    return [c for c in pool.shift_commitments if c[1] < end and start < c[2] and c[3] != need.pk]


def _share(matrix: np.ndarray, codes: dict[str, int], wanted: list[str]) -> np.ndarray:
    """The fraction of `wanted` each volunteer has (1 when nothing is wanted)."""
    size = matrix.shape[0]
    wanted = [str(w).strip().lower() for w in wanted if str(w).strip()]
    if not wanted:
        return np.ones(size)
    columns = [codes[w] for w in wanted if w in codes]
    if not columns:
        return np.zeros(size)
    return matrix[:, columns].sum(axis=1) / len(wanted)


def distances_km(pool: Pool, need: Need) -> np.ndarray:
    if need.latitude is None or need.longitude is None:
        return np.full(pool.size, np.nan)
    lat1, lon1 = np.radians(pool.latitude), np.radians(pool.longitude)
    lat2, lon2 = math.radians(need.latitude), math.radians(need.longitude)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * math.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * (KM_PER_DEGREE * 180 / math.pi) * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def evaluate(need: Need, pool: Pool, *, weights: dict[str, int] | None = None, requirements=None) -> Evaluation:
    """Every volunteer of `pool` against `need`: who is excluded and why, and everyone's score."""
    size = pool.size
    weights = weights or programme_weights(pool.programme)
    first, last = work_days(need)
    if requirements is None:
        requirements = need_requirements(need, pool)

    failed = {name: np.zeros(size, dtype=bool) for name in CONSTRAINTS}
    failed["membership"] = pool.membership_status != 3
    if need.kind == NeedKind.MENTORING:
        failed["role"] = ~pool.is_mentor

    requirement_failures = {}
    for key in requirements:
        intervals = pool.intervals.get(key)
        covered = intervals.covering(size, first, last) if intervals is not None else np.zeros(size, dtype=bool)
        requirement_failures[key] = ~covered
        failed["qualification"] |= ~covered

    clearance = {
        "children": _cleared(pool, first, last, "covers_children"),
        "vulnerable_adults": _cleared(pool, first, last, "covers_vulnerable_adults"),
    }
    if need.involves_children:
        failed["safeguarding"] |= ~(pool.willing_children & clearance["children"])
    if need.involves_vulnerable_adults:
        failed["safeguarding"] |= ~(pool.willing_vulnerable_adults & clearance["vulnerable_adults"])
    if need.home_visits:
        failed["safeguarding"] |= ~pool.willing_home_visits

    slots = need_slots(need)
    overlap_slots = pool.availability[:, slots].sum(axis=1) if slots.any() else np.zeros(size)
    failed["availability"] = overlap_slots == 0
    if need.kind == NeedKind.SHIFT:
        availability = overlap_slots / max(int(slots.sum()), 1)
    else:
        wanted_slots = max(need.minutes_per_week / 30, 2)
        availability = np.minimum(1.0, overlap_slots / wanted_slots)

    distance = distances_km(pool, need)
    if need.latitude is not None:
        failed["distance"] = np.isnan(distance) | (distance > pool.travel_km)
        reach = np.where(pool.travel_km > 0, pool.travel_km, 1.0)
        distance_score = np.clip(1 - np.nan_to_num(distance, nan=np.inf) / reach, 0, 1)
    else:
        distance_score = np.ones(size)

    if need.kind == NeedKind.SHIFT:
        for index, *_rest in _clashing(pool, need):
            failed["capacity"][index] = True
    else:
        failed["capacity"] = (pool.live_mentoring >= pool.max_mentees) | (
            pool.live_minutes_week + need.minutes_per_week > pool.max_minutes_week
        )

    for index in pool.exclusions.get(need.group_key, {}):
        failed["exclusion"][index] = True
    if need.preferred_gender:
        failed["preference"] = pool.gender != need.preferred_gender
    for index, status in pool.need_matches.get(need.pk, {}).items():
        # A live match holds the place already; a decline is not asked again.
        if status in (*LIVE_STATUSES, MatchStatus.DECLINED):
            failed["already"][index] = True

    continuity = np.zeros(size)
    continuity[list(pool.continuity.get(need.group_key, ()))] = 1.0
    components = {
        "skills": _share(pool.skills, pool.skill_codes, [slugify(s) for s in need.skills]),
        "languages": _share(pool.languages, pool.language_codes, need.languages),
        "distance": distance_score,
        "availability": availability,
        "topics": _share(pool.interests, pool.interest_codes, need.topics),
        "continuity": continuity,
        "load": 1.0 / (1.0 + pool.live_total),
    }
    total_weight = sum(weights.values()) or 1
    contributions = {name: np.round(components[name] * weights[name] / total_weight, 4) for name in COMPONENTS}
    score = np.round(sum(contributions[name] for name in COMPONENTS), 4)
    eligible = ~np.logical_or.reduce([failed[name] for name in CONSTRAINTS]) if size else np.zeros(0, dtype=bool)

    return Evaluation(
        need=need,
        pool=pool,
        failed=failed,
        eligible=eligible,
        components=components,
        contributions=contributions,
        score=np.clip(score, 0, 1),
        weights=weights,
        distance_km=distance,
        requirement_failures=requirement_failures,
        clearance=clearance,
    )


def _cleared(pool: Pool, first: int, last: int, flag: str) -> np.ndarray:
    cleared = np.zeros(pool.size, dtype=bool)
    for type_id, check_type in pool.check_types.items():
        if getattr(check_type, flag):
            intervals = pool.intervals.get(("check", type_id))
            if intervals is not None:
                cleared |= intervals.covering(pool.size, first, last)
    return cleared


def need_requirements(need: Need, pool: Pool) -> list[tuple[str, int]]:
    """The need's own requirements and those of the role it is done in, each once, in a fixed order."""
    role = Role.MENTOR if need.kind == NeedKind.MENTORING else Role.VOLUNTEER
    keys = list(pool.role_requirements.get(role, []))
    # .all() rather than values_list: a batch prefetches them for every need at once.
    keys += [("course", course.pk) for course in need.required_courses.all()]
    keys += [("check", check.pk) for check in need.required_checks.all()]
    return sorted(set(keys))


def label_requirements(pool: Pool, keys) -> None:
    """Name the requirements in `keys` for the sentences (one query per kind)."""
    course_ids = [pk for kind, pk in keys if kind == "course"]
    check_ids = [pk for kind, pk in keys if kind == "check"]
    for course in Course.objects.filter(pk__in=course_ids):
        pool.requirement_labels[("course", course.pk)] = course.name
    for check in CheckType.objects.filter(pk__in=check_ids):
        pool.requirement_labels[("check", check.pk)] = check.name
