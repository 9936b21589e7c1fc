"""The one idempotency mechanism for matching, mentoring and impact (the table of
tests/test_idempotency.py, for the operations of these apps).

Every operation below is tried through the API with an `Idempotency-Key`, in two
programmes at once (the tenants' scheme and the family mentors), by a person who holds
the same role in both (`a`) and by a second person of that role in each (`b`):

- a retry returns the first answer, with the same status, and changes nothing;
- the same key with another request answers 409 problem+json and changes nothing;
- the same key sent by another person, or by the same person in the other programme,
  is a request of its own: it is carried out and never answers with the first one's data.

Then what only some of them have: a mentoring session's confidential notes never cross
programmes through a key, the body's `key` and `request_key` mean the header, the batch
page's progress is looked up by a key that is the coordinator's own in that programme,
and a replayed statement request never counts towards the hourly limit.
"""

import datetime as dt
import itertools

import pytest

from matching.models import BatchRun, Match, MatchStatus
from matching.services import match_propose, task_needs_sync, task_signup
from matching.task_services import ShiftSpec, task_create
from mentoring.models import MentoringSession
from mentoring.services import mentorship_start, supported_person_create
from tests.api_support import assert_problem, call
from tests.assertions import unchanged
from tests.conftest import PASSWORD
from tests.idempotency_support import (
    Operation,
    TwoProgrammes,
    check_a_retry_returns_the_first_answer_with_its_status,
    check_the_same_key_for_another_request_answers_409_and_changes_nothing,
    check_the_same_key_from_another_person_is_a_request_of_its_own,
    check_the_same_key_in_another_programme_is_a_request_of_its_own,
    client_of,
    prepared,
    send,
)
from tests.matching_support import at, next_saturday
from timebank.accounts.models import MembershipStatus, Role
from timebank.accounts.services.programmes import membership_grant
from timebank.volunteers.services.profiles import volunteer_register

# Every day of the week, so any shift of the world is within everyone's availability.
ALL_WEEK = [[day, "07:00", "22:00"] for day in range(7)]
# Which of a programme's crowd a coordinator's request is about: one each per person and payload.
CROWD_INDEX = {("a", 0): 0, ("a", 1): 1, ("b", 0): 2, ("b", 1): 3}


class World(TwoProgrammes):
    """Two programmes; in each, people acting in both (`a`: one coordinator, volunteer,
    mentor and funder for both) and in one (`b`), and a crowd of four volunteers for the
    coordinators to propose. Shifts and mentorships are made when an operation asks."""

    def __init__(self, admin, programmes):
        super().__init__(admin, programmes)
        self.hours = itertools.count()
        self.coordinator_a = self._person("coord-both", Role.COORDINATOR, programmes)
        self.coordinator_b = [self._person(f"coord-{i}", Role.COORDINATOR, [p]) for i, p in enumerate(programmes)]
        self.funder_a = self._person("funder-both", Role.FUNDER, programmes)
        self.funder_b = [self._person(f"funder-{i}", Role.FUNDER, [p]) for i, p in enumerate(programmes)]
        self.volunteer_a = self._volunteer("vol-both", Role.VOLUNTEER, programmes)
        self.volunteer_b = [self._volunteer(f"vol-{i}", Role.VOLUNTEER, [p]) for i, p in enumerate(programmes)]
        self.mentor_a = self._volunteer("mentor-both", Role.MENTOR, programmes)
        self.mentor_b = [self._volunteer(f"mentor-{i}", Role.MENTOR, [p]) for i, p in enumerate(programmes)]
        self.crowd = [
            [self._volunteer(f"crowd-{i}-{n}", Role.VOLUNTEER, [p]) for n in range(4)] for i, p in enumerate(programmes)
        ]

    def _volunteer(self, username, role, programmes):
        volunteer = volunteer_register(
            actor=self.coordinator_a,
            programme=programmes[0],
            full_name=username.replace("-", " ").title(),
            username=username,
            password=PASSWORD,
            role=role,
            status=MembershipStatus.ACTIVE,
            consent_to_record=True,
            availability=ALL_WEEK,
        )
        for programme in programmes[1:]:
            membership_grant(actor=self.coordinator_a, user=volunteer.user, programme=programme, role=role)
        return volunteer

    def member_of_crowd(self, i, who, variant):
        return self.crowd[i][CROWD_INDEX[who, variant]]

    def shift(self, i, name):
        """A shift of programme i with ten places, at an hour no other shift of the world takes
        (so nobody's shifts clash), made once per name."""

        def build():
            hour = next(self.hours)
            day = next_saturday(self.today) + dt.timedelta(days=hour // 12)
            start = at(day, 8 + hour % 12)
            task = task_create(
                actor=self.coordinator_a,
                programme=self.programmes[i],
                title=f"Shift {hour}",
                shifts=[ShiftSpec(start, start + dt.timedelta(hours=1), 10)],
            )
            return task_needs_sync(actor=self.coordinator_a, task=task)[0]

        return self.once(("shift", i, name), build)

    def offer_to(self, name, i, volunteer, *, offer=True):
        """The shift `name` of programme i offered (or proposed) to `volunteer`."""
        return self.once(
            ("match", name, i, volunteer.pk),
            lambda: match_propose(
                actor=self.coordinator_a, need=self.shift(i, (name, volunteer.pk)), volunteer=volunteer, offer=offer
            ),
        )

    def accepted(self, name, i, volunteer):
        """`volunteer` signed up for a shift of their own: an accepted match."""
        return self.once(
            ("accepted", name, i, volunteer.pk),
            lambda: task_signup(actor=volunteer.user, need=self.shift(i, (name, volunteer.pk))),
        )

    def mentorship(self, i, who):
        def build():
            family = supported_person_create(
                actor=self.coordinator_a, programme=self.programmes[i], kind="family", reference=f"Family {i}{who}"
            )
            return mentorship_start(actor=self.coordinator_a, person=family, mentor=self.actor("mentor", i, who))

        return self.once(("mentorship", i, who), build)


def _propose(w, i, who, variant):
    need = w.shift(i, "proposals")
    return "post", f"/matching/needs/{need.pk}/matches", {"volunteer": w.member_of_crowd(i, who, variant).pk}


def _signup(w, i, who, variant):
    return "post", f"/matching/needs/{w.shift(i, ('signup', variant)).pk}/signup", {}


def _offer(w, i, who, variant):
    proposal = w.offer_to("to offer", i, w.member_of_crowd(i, who, variant), offer=False)
    return "post", f"/matching/matches/{proposal.pk}/offer", {}


def _accept(w, i, who, variant):
    offer = w.offer_to(("to accept", variant), i, w.actor("volunteer", i, who))
    return "post", f"/matching/matches/{offer.pk}/accept", {}


def _decline(w, i, who, variant):
    offer = w.offer_to("to decline", i, w.actor("volunteer", i, who))
    return "post", f"/matching/matches/{offer.pk}/decline", {"reason": ["Away that weekend", "Unwell"][variant]}


def _activate(w, i, who, variant):
    match = w.accepted("to start", i, w.member_of_crowd(i, who, variant))
    return "post", f"/matching/matches/{match.pk}/activate", {}


def _close(w, i, who, variant):
    match = w.accepted("to close", i, w.member_of_crowd(i, who, 0))
    return "post", f"/matching/matches/{match.pk}/close", {"reason": ["Shift done", "Cancelled"][variant]}


def _withdraw(w, i, who, variant):
    proposal = w.offer_to("to withdraw", i, w.member_of_crowd(i, who, 0), offer=False)
    return "post", f"/matching/matches/{proposal.pk}/withdraw", {"reason": ["Wrong week", "Too far"][variant]}


def _batch(w, i, who, variant):
    return "post", f"/matching/programmes/{w.programmes[i].slug}/batch-runs", {}


def _session(w, i, who, variant):
    body = {
        "date": str(w.today),
        "minutes": 60 + 30 * variant,
        "mode": "home_visit",
        "notes": f"Confidential: the letters of family {i}{who}",
    }
    return "post", f"/mentoring/mentorships/{w.mentorship(i, who).pk}/sessions", body


def _statement(w, i, who, variant):
    start = w.today - dt.timedelta(days=90)
    end = w.today - dt.timedelta(days=1 + variant)
    return "post", "/impact/statements", {"programmes": [w.programmes[i].slug], "start": str(start), "end": str(end)}


OPERATIONS = [
    Operation("propose a volunteer", "coordinator", 201, _propose),
    Operation("sign up for a shift", "volunteer", 201, _signup),
    Operation("offer a proposal", "coordinator", 200, _offer),
    Operation("accept an offer", "volunteer", 200, _accept),
    Operation("decline an offer", "volunteer", 200, _decline),
    Operation("start a match", "coordinator", 200, _activate),
    Operation("close a match", "coordinator", 200, _close),
    Operation("withdraw a match", "coordinator", 200, _withdraw),
    # A batch run asks for nothing but its programme, which the key's scope holds already.
    Operation("run a batch", "coordinator", 202, _batch, other_request=False),
    Operation("log a mentoring session", "mentor", 201, _session),
    Operation("ask for an impact statement", "funder", 202, _statement),
]


@pytest.fixture
def world(admin, programme, other_programme):
    return World(admin, [programme, other_programme])


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_a_retry_returns_the_first_answer_with_its_status(world, operation):
    check_a_retry_returns_the_first_answer_with_its_status(world, operation)


@pytest.mark.parametrize("operation", [o for o in OPERATIONS if o.other_request], ids=lambda o: o.name)
def test_the_same_key_for_another_request_answers_409_and_changes_nothing(world, operation):
    check_the_same_key_for_another_request_answers_409_and_changes_nothing(world, operation)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_the_same_key_from_another_person_is_a_request_of_its_own(world, operation):
    check_the_same_key_from_another_person_is_a_request_of_its_own(world, operation)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_the_same_key_in_another_programme_is_a_request_of_its_own(world, operation):
    check_the_same_key_in_another_programme_is_a_request_of_its_own(world, operation)


# --- Mentoring sessions -------------------------------------------------------------------


def test_a_mentor_of_another_programme_sending_the_same_key_gets_their_own_session_and_none_of_the_notes(world):
    """The leak this mechanism closed: the key was once looked up across programmes, and the
    second mentor got the first one's session, confidential notes included."""
    session = next(o for o in OPERATIONS if o.name == "log a mentoring session")
    theirs = send(world, session, 0, "b", "visit-1")
    sessions = MentoringSession.objects.count()

    mine = send(world, session, 1, "b", "visit-1")

    assert (theirs.status_code, mine.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert mine.json()["mentorship"] == world.mentorship(1, "b").pk
    assert "family 0b" not in mine.content.decode()
    assert mine.json()["notes"] == "Confidential: the letters of family 1b"
    assert MentoringSession.objects.count() == sessions + 1
    recorded = MentoringSession.objects.get(pk=mine.json()["id"])
    assert (recorded.recorded_by, recorded.claim.volunteer) == (world.mentor_b[1].user, world.mentor_b[1])


def test_the_body_key_of_a_session_is_the_idempotency_key_and_the_header_wins(world):
    mentorship = world.mentorship(0, "a")
    client = client_of(world.mentor_a)
    path = f"/mentoring/mentorships/{mentorship.pk}/sessions"
    body = {"date": str(world.today), "minutes": 45, "mode": "office"}

    first = call(client, "post", path, {**body, "key": "form-1"})
    with unchanged():
        by_header = call(client, "post", path, {**body, "key": "ignored"}, HTTP_IDEMPOTENCY_KEY="form-1")
        changed = call(client, "post", path, {**body, "minutes": 50, "key": "form-1"})

    assert (first.status_code, by_header.status_code) == (201, 201)
    assert by_header.json() == first.json()
    assert_problem(changed, 409, "Idempotency-Key")


# --- Batch runs -----------------------------------------------------------------------------


def test_the_body_request_key_of_a_batch_run_is_the_idempotency_key(world):
    client = client_of(world.coordinator_a)
    path = f"/matching/programmes/{world.programmes[0].slug}/batch-runs"

    first = call(client, "post", path, {"request_key": "page-token"})
    with unchanged():
        again = call(client, "post", path, {}, HTTP_IDEMPOTENCY_KEY="page-token")

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"]
    assert BatchRun.objects.count() == 1


def test_a_batch_runs_progress_is_found_by_its_key_only_by_who_started_it_in_its_programme(world):
    tenants, mentors = (p.slug for p in world.programmes)
    starter = client_of(world.coordinator_a)
    started = starter.post(f"/matching/{tenants}/batch/", {"request_key": "k1"}, HTTP_ACCEPT="application/json")
    run = BatchRun.objects.get()
    assert started.json()["id"] == run.pk

    def progress(client, slug):
        return client.get(f"/matching/{slug}/batch/progress/?key=k1").json()

    assert progress(starter, tenants) == {"id": run.pk, "status": "queued", "progress": 0, "stage": ""}
    waiting = {"status": "waiting", "progress": 0, "stage": ""}
    assert progress(client_of(world.coordinator_b[0]), tenants) == waiting
    assert progress(starter, mentors) == waiting

    listed = call(client_of(world.coordinator_b[0]), "get", "/matching/batch-runs", {"key": "k1"}).json()
    assert listed["items"] == []
    mine = call(starter, "get", "/matching/batch-runs", {"key": "k1"}).json()
    assert [item["id"] for item in mine["items"]] == [run.pk]


def test_a_batch_page_sent_twice_starts_one_run(world):
    client = client_of(world.coordinator_a)
    first = client.post(f"/matching/{world.programmes[0].slug}/batch/", {"request_key": "double-click"})

    with unchanged():
        again = client.post(f"/matching/{world.programmes[0].slug}/batch/", {"request_key": "double-click"})

    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert BatchRun.objects.count() == 1


# --- Matches ------------------------------------------------------------------------------------


def test_a_retried_decline_returns_the_offer_it_made_to_the_next_candidate(world):
    offer = world.offer_to("declined", 0, world.volunteer_b[0])
    client = client_of(world.volunteer_b[0])
    path = f"/matching/matches/{offer.pk}/decline"

    first = call(client, "post", path, {"reason": "Away"}, HTTP_IDEMPOTENCY_KEY="no-thanks")
    with unchanged():
        retry = call(client, "post", path, {"reason": "Away"}, HTTP_IDEMPOTENCY_KEY="no-thanks")

    assert first.status_code == retry.status_code == 200
    following = first.json()["offered_next"]
    assert following is not None and following["status"] == MatchStatus.OFFERED
    assert retry.json() == first.json()
    assert Match.objects.filter(need=offer.need, status=MatchStatus.OFFERED).count() == 1


# --- Impact statements ----------------------------------------------------------------------------


def test_a_replayed_statement_request_does_not_count_towards_the_hourly_limit(world, settings):
    settings.IMPACT_REQUESTS_PER_HOUR = 1
    statement = next(o for o in OPERATIONS if o.name == "ask for an impact statement")

    first = send(world, statement, 0, "b", "report-1")
    retry_it = prepared(world, statement, 0, "b", "report-1")
    with unchanged():
        retry = retry_it()
    over = send(world, statement, 0, "b", "report-2", variant=1)

    assert (first.status_code, retry.status_code) == (202, 202)
    assert retry.json() == first.json()
    assert_problem(over, 429)
