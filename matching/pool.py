"""The volunteers a need is scored against, loaded as arrays.

A Pool holds, for a set of volunteers of one programme, everything the hard
constraints and the soft score read, in a fixed number of queries however many
volunteers it holds: one row per volunteer in numpy arrays, their languages,
skills and interests as boolean matrices, their weekly availability as a
336-column matrix of half-hour slots, their verified training and checks as
merged validity intervals, and their live matches. Scoring then runs over the
arrays without touching the database (matching.evaluate).

`load_pool(programme, near=need)` narrows the volunteers in SQL first (members
of the programme in a volunteering role, within a box their own travel distance
around the need); the exact tests run on the arrays afterwards, so narrowing
never changes an answer, only how many rows are read.
"""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from matching.models import COMMITTED_STATUSES, LIVE_STATUSES, Exclusion, Match, Need, NeedKind
from timebank.accounts.models import Membership, MembershipStatus, Programme, Role
from timebank.training.models import BackgroundCheck, CheckType, RoleRequirement, TrainingRecord
from timebank.volunteers.models import AvailabilitySlot, VolunteerLanguage, VolunteerProfile

SLOT_MINUTES = 30
WEEK_SLOTS = 7 * 24 * 60 // SLOT_MINUTES
KM_PER_DEGREE = 111.2
# Beyond this date a record "never expires": ordinal arithmetic stays in integers.
NEVER = dt.date.max.toordinal()


@dataclass
class Intervals:
    """Merged validity intervals of one course or check kind: volunteer index, first day, first day no longer valid."""

    index: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def covering(self, size: int, first: int, last: int) -> np.ndarray:
        """A boolean array: whose records cover every day from `first` to `last` (ordinals)."""
        covered = np.zeros(size, dtype=bool)
        hit = (self.starts <= first) & (self.ends > last)
        covered[self.index[hit]] = True
        return covered


@dataclass
class Pool:
    programme: Programme
    ids: np.ndarray
    names: list[str]
    latitude: np.ndarray
    longitude: np.ndarray
    travel_km: np.ndarray
    membership_status: np.ndarray  # the best status among volunteer and mentor roles
    is_mentor: np.ndarray
    willing_children: np.ndarray
    willing_vulnerable_adults: np.ndarray
    willing_home_visits: np.ndarray
    gender: np.ndarray
    max_mentees: np.ndarray
    max_minutes_week: np.ndarray  # inf when not given
    languages: np.ndarray  # (n, len(language_codes)) bool
    language_codes: dict[str, int]
    skills: np.ndarray
    skill_codes: dict[str, int]
    interests: np.ndarray
    interest_codes: dict[str, int]
    availability: np.ndarray  # (n, WEEK_SLOTS) bool
    # Live matches: mentoring ones count against mentees and weekly hours, shift ones can clash.
    live_mentoring: np.ndarray
    live_minutes_week: np.ndarray
    live_total: np.ndarray
    shift_commitments: list[tuple[int, float, float, int, str]]  # (index, start ts, end ts, need id, title)
    need_matches: dict[int, dict[int, str]]  # need id -> {index: status} for every match ever made
    continuity: dict[str, set[int]]  # group key -> indexes who took on work for it
    exclusions: dict[str, dict[int, str]]  # group key -> {index: reason}
    intervals: dict[tuple[str, int], Intervals]
    check_types: dict[int, CheckType]
    role_requirements: dict[str, list[tuple[str, int]]]  # role -> [("course"|"check", id)]
    requirement_labels: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.ids)

    def index_of(self, volunteer_id: int) -> int | None:
        position = int(np.searchsorted(self.ids, volunteer_id))
        if position < self.size and self.ids[position] == volunteer_id:
            return position
        return None


STATUS_RANK = {MembershipStatus.ACTIVE: 3, MembershipStatus.PAUSED: 2, MembershipStatus.APPLICANT: 1}


def _vocabulary(rows, size, index_of_volunteer):
    codes: dict[str, int] = {}
    pairs = []
    for volunteer_id, value in rows:
        value = str(value).strip().lower()
        if not value:
            continue
        code = codes.setdefault(value, len(codes))
        pairs.append((index_of_volunteer[volunteer_id], code))
    matrix = np.zeros((size, max(len(codes), 1)), dtype=bool)
    if pairs:
        rows_, cols = zip(*pairs, strict=True)
        matrix[list(rows_), list(cols)] = True
    return matrix, codes


def week_slot(weekday: int, minutes: int) -> int:
    return weekday * (24 * 60 // SLOT_MINUTES) + minutes // SLOT_MINUTES


def slots_between(weekday: int, start: dt.time, end: dt.time) -> range:
    first = week_slot(weekday, start.hour * 60 + start.minute)
    last = week_slot(weekday, end.hour * 60 + end.minute - 1) + 1 if end != dt.time(0) else week_slot(weekday + 1, 0)
    return range(first, max(first, last))


def _merge(records) -> list[tuple[int, int]]:
    spans = sorted(records)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _intervals(rows, index_of_volunteer) -> dict[tuple[str, int], Intervals]:
    grouped = defaultdict(list)
    for kind, requirement_id, volunteer_id, start, end in rows:
        grouped[(kind, requirement_id, index_of_volunteer[volunteer_id])].append(
            (start.toordinal(), end.toordinal() if end else NEVER)
        )
    by_requirement = defaultdict(lambda: ([], [], []))
    for (kind, requirement_id, index), spans in sorted(grouped.items()):
        target = by_requirement[(kind, requirement_id)]
        for start, end in _merge(spans):
            target[0].append(index)
            target[1].append(start)
            target[2].append(end)
    return {
        key: Intervals(np.array(i, dtype=np.int64), np.array(s, dtype=np.int64), np.array(e, dtype=np.int64))
        for key, (i, s, e) in by_requirement.items()
    }


def _near(need: Need, widest_km: float) -> Q:
    """Volunteers whose own travel distance could reach the need: a box, tested exactly later.

    The box of the widest travel distance anyone gives comes first: an index on
    latitude serves it. Each volunteer's own box then narrows it."""
    lat, lon = need.latitude, need.longitude
    lon_scale = KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01)
    reach_lat = F("travel_km") / KM_PER_DEGREE
    reach_lon = F("travel_km") / lon_scale
    return Q(
        latitude__gte=lat - widest_km / KM_PER_DEGREE,
        latitude__lte=lat + widest_km / KM_PER_DEGREE,
    ) & Q(
        latitude__gte=lat - reach_lat,
        latitude__lte=lat + reach_lat,
        longitude__gte=lon - reach_lon,
        longitude__lte=lon + reach_lon,
    )


# Ids per query when rows are read by volunteer.
CHUNK = 20_000


def _by_ids(queryset, field: str, ids: list[int], *columns):
    """The rows of `queryset` whose `field` (a column of its own table) is one of `ids`.

    Reading by the ids already loaded costs an index lookup per id; filtering on the
    pool's own query again would re-run it for every table (measured: 40 ms a table
    at 50,000 volunteers). The ids are written into the SQL as integer literals: they
    are the primary keys just read, formatted with %d, so nothing from a request
    reaches the statement, and passing them as parameters cost more in Django's
    per-value preparation (about 100 ms a pool) than the queries themselves."""
    column = f'"{queryset.model._meta.db_table}"."{queryset.model._meta.get_field(field).column}"'
    for start in range(0, len(ids), CHUNK):
        chunk = ",".join(f"{int(i):d}" for i in ids[start : start + CHUNK])
        where = f"{column} IN ({chunk})"
        yield from queryset.extra(where=[where]).values_list(*columns)  # noqa: S610 - integers only, see above


def load_pool(programme: Programme, *, near: Need | None = None, volunteer_ids=None, requirement_keys=None) -> Pool:
    """The programme's volunteers and mentors (any membership status but left) as a Pool.

    `near` keeps only those whose travel distance could reach that need;
    `volunteer_ids` only those volunteers; `requirement_keys` limits the training
    and checks read to those keys (default: every course and check of the programme).
    """
    memberships = Membership.objects.filter(programme=programme, role__in=(Role.VOLUNTEER, Role.MENTOR)).exclude(
        status=MembershipStatus.LEFT
    )
    profiles = VolunteerProfile.objects.filter(Exists(memberships.filter(user_id=OuterRef("user_id"))))
    if near is not None and near.latitude is not None:
        widest = VolunteerProfile.objects.aggregate(widest=Max("travel_km"))["widest"] or 0
        profiles = profiles.filter(_near(near, widest))
    if volunteer_ids is not None:
        profiles = profiles.filter(pk__in=list(volunteer_ids))
    rows = list(
        profiles.order_by("pk").values_list(
            "pk",
            "user_id",
            "full_name",
            "preferred_name",
            "latitude",
            "longitude",
            "travel_km",
            "willing_children",
            "willing_vulnerable_adults",
            "willing_home_visits",
            "gender",
            "max_mentees",
            "max_hours_per_week",
            "skill_tags",
            "interests",
        )
    )
    size = len(rows)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    id_list = ids.tolist()
    index_of = {r[0]: i for i, r in enumerate(rows)}
    index_of_user = {r[1]: i for i, r in enumerate(rows)}

    status = np.zeros(size, dtype=np.int8)
    is_mentor = np.zeros(size, dtype=bool)
    for user_id, role, member_status in _by_ids(
        memberships, "user_id", list(index_of_user), "user_id", "role", "status"
    ):
        index = index_of_user[user_id]
        status[index] = max(status[index], STATUS_RANK.get(member_status, 0))
        if role == Role.MENTOR:
            is_mentor[index] = True

    languages, language_codes = _vocabulary(
        _by_ids(VolunteerLanguage.objects.all(), "volunteer_id", id_list, "volunteer_id", "code"), size, index_of
    )
    skill_rows = list(
        _by_ids(
            VolunteerProfile.skills.through.objects.all(),
            "volunteerprofile_id",
            id_list,
            "volunteerprofile_id",
            "skill__slug",
        )
    )
    interest_rows = []
    for row in rows:
        skill_rows.extend((row[0], tag) for tag in row[13] or [])
        interest_rows.extend((row[0], interest) for interest in row[14] or [])
    skills, skill_codes = _vocabulary(skill_rows, size, index_of)
    interests, interest_codes = _vocabulary(interest_rows, size, index_of)

    availability = np.zeros((size, WEEK_SLOTS), dtype=bool)
    for volunteer_id, weekday, start, end in _by_ids(
        AvailabilitySlot.objects.all(), "volunteer_id", id_list, "volunteer_id", "weekday", "starts_at", "ends_at"
    ):
        span = slots_between(weekday, start, end)
        availability[index_of[volunteer_id], span.start : span.stop] = True

    live_mentoring = np.zeros(size, dtype=np.int32)
    live_minutes = np.zeros(size, dtype=np.float64)
    live_total = np.zeros(size, dtype=np.int32)
    commitments = []
    need_matches: dict[int, dict[int, str]] = defaultdict(dict)
    continuity: dict[str, set[int]] = defaultdict(set)
    match_rows = _by_ids(
        Match.objects.filter(need__programme=programme).order_by("id"),
        "volunteer_id",
        id_list,
        "volunteer_id",
        "status",
        "need_id",
        "need__kind",
        "need__starts_at",
        "need__ends_at",
        "need__minutes_per_week",
        "need__group_key",
        "need__title",
    )
    for volunteer_id, match_status, need_id, kind, starts, ends, minutes, group_key, title in match_rows:
        index = index_of[volunteer_id]
        need_matches[need_id][index] = match_status
        if match_status in COMMITTED_STATUSES:
            continuity[group_key].add(index)
        if match_status not in LIVE_STATUSES:
            continue
        live_total[index] += 1
        if kind == NeedKind.MENTORING:
            live_mentoring[index] += 1
            live_minutes[index] += minutes
        else:
            commitments.append((index, starts.timestamp(), ends.timestamp(), need_id, title))

    exclusions: dict[str, dict[int, str]] = defaultdict(dict)
    for volunteer_id, group_key, reason in _by_ids(
        Exclusion.objects.filter(programme=programme), "volunteer_id", id_list, "volunteer_id", "group_key", "reason"
    ):
        exclusions[group_key][index_of[volunteer_id]] = reason

    check_types = {c.pk: c for c in CheckType.objects.filter(programme=programme)}
    record_rows = []
    courses = TrainingRecord.objects.filter(verified_at__isnull=False, course__programme=programme)
    checks = BackgroundCheck.objects.filter(verified_at__isnull=False, check_type__programme=programme)
    if requirement_keys is not None:
        courses = courses.filter(course_id__in=[i for k, i in requirement_keys if k == "course"])
        check_ids = {i for k, i in requirement_keys if k == "check"}
        check_ids |= {pk for pk, c in check_types.items() if c.covers_children or c.covers_vulnerable_adults}
        checks = checks.filter(check_type_id__in=check_ids)
    for course_id, volunteer_id, start, end in _by_ids(
        courses, "volunteer_id", id_list, "course_id", "volunteer_id", "completed_on", "expires_on"
    ):
        record_rows.append(("course", course_id, volunteer_id, start, end))
    for type_id, volunteer_id, start, end in _by_ids(
        checks, "volunteer_id", id_list, "check_type_id", "volunteer_id", "issued_on", "expires_on"
    ):
        record_rows.append(("check", type_id, volunteer_id, start, end))

    role_requirements: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for role, course_id, check_id in RoleRequirement.objects.filter(programme=programme).values_list(
        "role", "course_id", "check_type_id"
    ):
        role_requirements[role].append(("course", course_id) if course_id else ("check", check_id))

    def column(i, default=0.0):
        return np.array([default if r[i] is None else float(r[i]) for r in rows], dtype=np.float64)

    return Pool(
        programme=programme,
        ids=ids,
        names=[r[3] or r[2] for r in rows],
        latitude=column(4, math.nan),
        longitude=column(5, math.nan),
        travel_km=column(6),
        membership_status=status,
        is_mentor=is_mentor,
        willing_children=np.array([r[7] for r in rows], dtype=bool),
        willing_vulnerable_adults=np.array([r[8] for r in rows], dtype=bool),
        willing_home_visits=np.array([r[9] for r in rows], dtype=bool),
        gender=np.array([r[10] for r in rows], dtype=object),
        max_mentees=np.array([r[11] for r in rows], dtype=np.int32),
        max_minutes_week=np.array([math.inf if r[12] is None else r[12] * 60 for r in rows], dtype=np.float64),
        languages=languages,
        language_codes=language_codes,
        skills=skills,
        skill_codes=skill_codes,
        interests=interests,
        interest_codes=interest_codes,
        availability=availability,
        live_mentoring=live_mentoring,
        live_minutes_week=live_minutes,
        live_total=live_total,
        shift_commitments=commitments,
        need_matches=dict(need_matches),
        continuity=dict(continuity),
        exclusions=dict(exclusions),
        intervals=_intervals(record_rows, index_of),
        check_types=check_types,
        role_requirements=dict(role_requirements),
    )


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()
