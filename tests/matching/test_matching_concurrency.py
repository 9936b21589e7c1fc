"""Capacity under real concurrency: coordinators proposing at once never fill more
places than a need has, nor give a mentor more families than they can take on.
Run on PostgreSQL in this process, and on SQLite in a fresh interpreter (tests.concurrency)."""

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import Match, MatchStatus
from tests.concurrency import at_once, postgres_only, run_on_sqlite, sqlite_only, tally


def _world(tag: str):
    from timebank.accounts.models import Role, User
    from timebank.accounts.services.programmes import (
        account_create,
        membership_grant,
        organisation_create,
        programme_create,
    )

    admin = User.objects.create_superuser(f"admin-{tag}", f"admin-{tag}@example.org", "pw")
    organisation = organisation_create(actor=admin, name=f"Org {tag}", slug=f"org-{tag}")
    programme = programme_create(actor=admin, organisation=organisation, name=f"Programme {tag}", slug=f"p-{tag}")
    coordinators = []
    for n in range(8):
        user = account_create(actor=admin, username=f"coord-{tag}-{n}", password="pw-long-enough-1", full_name="C")
        membership_grant(actor=admin, user=user, programme=programme, role=Role.COORDINATOR)
        coordinators.append(user)
    return programme, coordinators


def eight_coordinators_filling_three_places() -> dict:
    from matching.services import match_propose
    from tests.matching_support import kitchen_task, kitchen_volunteer, next_saturday

    programme, coordinators = _world("places")
    need = kitchen_task(coordinators[0], programme, next_saturday(timezone.localdate()), headcount=3)
    people = [kitchen_volunteer(coordinators[0], programme, name=f"V{n}") for n in range(8)]
    outcomes = at_once(8, lambda i: match_propose(actor=coordinators[i], need=need, volunteer=people[i]))
    return {"outcomes": tally(outcomes), "live": Match.objects.filter(need=need, status=MatchStatus.PROPOSED).count()}


def four_families_proposed_one_mentor_at_once() -> dict:
    from matching.services import match_propose, mentoring_need_create
    from tests.matching_support import at, kitchen_volunteer
    from timebank.accounts.models import Role

    programme, coordinators = _world("mentees")
    mentor = kitchen_volunteer(
        coordinators[0], programme, role=Role.MENTOR, availability=((2, "15:00", "20:00"),), max_mentees=1
    )
    today = timezone.localdate()
    needs = [
        mentoring_need_create(
            actor=coordinators[0],
            programme=programme,
            title=f"Family {n}",
            group_key=f"person:{n}",
            starts_at=at(today + dt.timedelta(days=3), 9),
            ends_at=at(today + dt.timedelta(days=90), 9),
            latitude=51.478,
            longitude=-3.189,
        )
        for n in range(4)
    ]
    outcomes = at_once(4, lambda i: match_propose(actor=coordinators[i], need=needs[i], volunteer=mentor))
    return {"outcomes": tally(outcomes), "live": Match.objects.filter(volunteer=mentor).count()}


RACES = {
    "places": eight_coordinators_filling_three_places,
    "mentees": four_families_proposed_one_mentor_at_once,
}
EXPECTED = {
    "places": {"outcomes": {"ok": 3, "ValidationError": 5}, "live": 3},
    "mentees": {"outcomes": {"ok": 1, "ValidationError": 3}, "live": 1},
}


@postgres_only
@pytest.mark.parametrize("name", RACES)
def test_matching_race_on_postgresql(transactional_db, name):
    assert RACES[name]() == EXPECTED[name]


@sqlite_only
def test_matching_races_on_sqlite(tmp_path):
    assert run_on_sqlite(tmp_path, RACES) == EXPECTED
