"""The match lifecycle (propose, offer, accept or decline and re-offer, activate, close,
withdraw), self sign-up, capacity, and batch runs, through the services and the real
Celery task (eager)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from matching.models import BatchRun, BatchStatus, Match, MatchEvent, MatchStatus
from matching.services import (
    batch_offer_all,
    batch_run_request,
    match_accept,
    match_accepted,
    match_activate,
    match_close,
    match_decline,
    match_offer,
    match_propose,
    match_withdraw,
    task_signup,
)
from matching.tasks import run_batch
from tests.assertions import unchanged
from tests.matching_support import food_hygiene, kitchen_task, kitchen_volunteer, km_east, next_saturday


@pytest.fixture
def saturday(today):
    return next_saturday(today)


@pytest.fixture
def hygiene(coordinator, programme):
    return food_hygiene(coordinator, programme)


@pytest.fixture
def kitchen(coordinator, programme, saturday, hygiene):
    return kitchen_task(coordinator, programme, saturday, courses=[hygiene], headcount=1)


@pytest.fixture
def crew(coordinator, programme, hygiene):
    """Three trained volunteers: Nia lives next door, Owen 2 km away, Pat 4 km away."""
    return [
        kitchen_volunteer(coordinator, programme, name=name, hygiene=hygiene, place=km_east(km))
        for name, km in (("Nia", 0), ("Owen", 2), ("Pat", 4))
    ]


@pytest.fixture
def run_batch_now(django_capture_on_commit_callbacks):
    """Request a batch run and let the Celery task run when the request commits, as it does in production."""

    def request(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            run = batch_run_request(**kwargs)
        run.refresh_from_db()
        return run

    return request


def statuses(need):
    return list(Match.objects.filter(need=need).order_by("pk").values_list("volunteer__full_name", "status"))


def test_propose_offer_accept_activate_close_records_who_and_when(
    coordinator, kitchen, crew, django_capture_on_commit_callbacks
):
    nia = crew[0]
    heard = []
    match_accepted.connect(lambda sender, match, **kw: heard.append(match.pk), weak=False, dispatch_uid="t1")
    try:
        match = match_propose(actor=coordinator, need=kitchen, volunteer=nia)
        match_offer(actor=coordinator, match=match)
        with django_capture_on_commit_callbacks(execute=True):
            match_accept(actor=nia.user, match=match)
        match_activate(actor=coordinator, match=match)
        match_close(actor=coordinator, match=match, reason="Shift done")
    finally:
        match_accepted.disconnect(dispatch_uid="t1")

    match.refresh_from_db()
    assert match.status == MatchStatus.CLOSED and match.reason == "Shift done"
    events = list(MatchEvent.objects.filter(match=match).values_list("status", "actor__username"))
    assert events == [
        ("proposed", "coordinator"),
        ("offered", "coordinator"),
        ("accepted", nia.user.username),
        ("active", "coordinator"),
        ("closed", "coordinator"),
    ]
    assert heard == [match.pk]


def test_a_decline_offers_the_need_to_the_next_best_candidate(coordinator, kitchen, crew):
    nia, owen, _pat = crew
    match = match_propose(actor=coordinator, need=kitchen, volunteer=nia, offer=True)

    declined, next_offer = match_decline(actor=nia.user, match=match, reason="Away that weekend")

    assert declined.status == MatchStatus.DECLINED and declined.reason == "Away that weekend"
    assert next_offer.volunteer == owen and next_offer.status == MatchStatus.OFFERED
    assert statuses(kitchen) == [("Nia", "declined"), ("Owen", "offered")]


def test_a_decline_with_nobody_left_offers_nothing(coordinator, kitchen, crew):
    for person in crew:
        match = Match.objects.filter(need=kitchen, status=MatchStatus.OFFERED).first() or match_propose(
            actor=coordinator, need=kitchen, volunteer=person, offer=True
        )
        _declined, following = match_decline(actor=match.volunteer.user, match=match, reason="No")
    assert following is None
    assert [s for _n, s in statuses(kitchen)] == ["declined"] * 3


def test_a_decline_needs_a_reason_and_changes_nothing_without_one(coordinator, kitchen, crew):
    match = match_propose(actor=coordinator, need=kitchen, volunteer=crew[0], offer=True)

    with unchanged(), pytest.raises(ValidationError) as refused:
        match_decline(actor=crew[0].user, match=match, reason="  ")
    assert "reason" in refused.value.message_dict


def test_only_the_volunteer_answers_their_offer(coordinator, kitchen, crew):
    match = match_propose(actor=coordinator, need=kitchen, volunteer=crew[0], offer=True)

    with unchanged():
        for intruder in (crew[1].user, coordinator):
            with pytest.raises(PermissionDenied):
                match_accept(actor=intruder, match=match)
            with pytest.raises(PermissionDenied):
                match_decline(actor=intruder, match=match, reason="no")


@pytest.mark.parametrize(
    "step",
    ["accept_proposed", "activate_offered", "offer_twice", "close_proposed", "withdraw_closed"],
)
def test_transitions_out_of_order_are_refused_and_change_nothing(coordinator, kitchen, crew, step):
    nia = crew[0]
    match = match_propose(actor=coordinator, need=kitchen, volunteer=nia)
    if step == "offer_twice":
        match_offer(actor=coordinator, match=match)
    if step == "withdraw_closed":
        match_offer(actor=coordinator, match=match)
        match_accept(actor=nia.user, match=match)
        match_close(actor=coordinator, match=match, reason="done")
    attempt = {
        "accept_proposed": lambda: match_accept(actor=nia.user, match=match),
        "activate_offered": lambda: match_activate(actor=coordinator, match=match),
        "offer_twice": lambda: match_offer(actor=coordinator, match=match),
        "close_proposed": lambda: match_close(actor=coordinator, match=match, reason="x"),
        "withdraw_closed": lambda: match_withdraw(actor=coordinator, match=match, reason="x"),
    }[step]
    with unchanged(), pytest.raises(ValidationError) as refused:
        attempt()
    assert "status" in refused.value.message_dict


def test_a_need_never_gets_more_live_matches_than_places(coordinator, kitchen, crew):
    match_propose(actor=coordinator, need=kitchen, volunteer=crew[0])

    with unchanged(), pytest.raises(ValidationError) as refused:
        match_propose(actor=coordinator, need=kitchen, volunteer=crew[1])
    assert refused.value.message_dict == {"need": ["Every place on this need is taken."]}


def test_withdrawing_frees_the_place(coordinator, kitchen, crew):
    first = match_propose(actor=coordinator, need=kitchen, volunteer=crew[0])
    match_withdraw(actor=coordinator, match=first, reason="Wrong week")

    second = match_propose(actor=coordinator, need=kitchen, volunteer=crew[1])

    assert second.status == MatchStatus.PROPOSED
    assert statuses(kitchen) == [("Nia", "withdrawn"), ("Owen", "proposed")]


def test_proposing_an_ineligible_volunteer_is_refused_with_the_reasons(coordinator, programme, kitchen):
    untrained = kitchen_volunteer(coordinator, programme, name="Untrained")

    with unchanged(), pytest.raises(ValidationError) as refused:
        match_propose(actor=coordinator, need=kitchen, volunteer=untrained)
    assert refused.value.message_dict == {"volunteer": ["Food hygiene: missing."]}


def test_another_programmes_coordinator_cannot_propose(other_programme_coordinator, kitchen, crew):
    with unchanged(), pytest.raises(PermissionDenied):
        match_propose(actor=other_programme_coordinator, need=kitchen, volunteer=crew[0])


def test_an_eligible_volunteer_signs_up_and_an_ineligible_one_is_told_why(coordinator, programme, kitchen, crew):
    untrained = kitchen_volunteer(coordinator, programme, name="Untrained")

    with unchanged(), pytest.raises(ValidationError) as refused:
        task_signup(actor=untrained.user, need=kitchen)
    assert refused.value.message_dict == {"volunteer": ["Food hygiene: missing."]}

    match = task_signup(actor=crew[2].user, need=kitchen)
    assert match.status == MatchStatus.ACCEPTED and match.self_signup

    with unchanged(), pytest.raises(ValidationError):
        task_signup(actor=crew[1].user, need=kitchen)  # the only place is taken


def test_a_batch_fills_the_open_needs_once_however_often_it_runs(
    coordinator, programme, saturday, hygiene, crew, run_batch_now
):
    kitchen = kitchen_task(coordinator, programme, saturday, courses=[hygiene], headcount=2)
    garden = kitchen_task(coordinator, programme, saturday, title="Garden", start=13, end=15, headcount=1)
    impossible = kitchen_task(coordinator, programme, saturday, title="Night shelter", start=22, end=23)

    run = run_batch_now(actor=coordinator, programme=programme)

    assert run.status == BatchStatus.DONE and run.progress == 100
    assert run.places_open == 5 and run.places_filled == 3
    assert run.total_score >= run.greedy_score
    rows = {row["title"]: row for row in run.results}
    assert len(rows["Community kitchen"]["proposed"]) == 2
    assert len(rows["Garden"]["proposed"]) == 1  # starts as the kitchen ends, so it does not clash
    assert rows["Night shelter"]["unfilled"] == 2
    assert rows["Night shelter"]["why_unfilled"] == "Nobody eligible (no availability overlap: 3)."
    proposals = Match.objects.filter(batch_run=run)
    assert proposals.count() == 3
    for proposal in proposals:
        assert round(sum(p["contribution"] for p in proposal.explanation), 4) == proposal.score

    # Running the same task again, and a second run, propose nothing more.
    run_batch.apply(args=[run.pk])
    again = run_batch_now(actor=coordinator, programme=programme)
    assert again.places_filled == 0
    assert Match.objects.filter(status=MatchStatus.PROPOSED).count() == 3
    assert kitchen.matches.count() == 2 and garden.matches.count() == 1 and impossible.matches.count() == 0

    assert batch_offer_all(actor=coordinator, run=run) == 3
    assert Match.objects.filter(status=MatchStatus.OFFERED).count() == 3


def test_a_batch_request_with_the_same_key_returns_the_same_run(coordinator, programme):
    first = batch_run_request(actor=coordinator, programme=programme, idempotency_key="abc")
    second = batch_run_request(actor=coordinator, programme=programme, idempotency_key="abc")

    assert first.pk == second.pk and BatchRun.objects.count() == 1


def test_a_batch_is_refused_to_anyone_but_the_programmes_coordinators(
    programme, volunteer, other_programme_coordinator, funder
):
    for person in (volunteer.user, other_programme_coordinator, funder):
        with unchanged(), pytest.raises(PermissionDenied):
            batch_run_request(actor=person, programme=programme)


def test_batch_results_are_the_same_for_the_same_input(coordinator, programme, saturday, hygiene, crew):
    from matching.batch import build_problem, open_needs
    from matching.evaluate import programme_weights
    from matching.pool import load_pool
    from matching.solver import solve

    kitchen_task(coordinator, programme, saturday, courses=[hygiene], headcount=2)
    kitchen_task(coordinator, programme, saturday, title="Litter pick", start=10, end=11, headcount=2)

    def assignment():
        pool = load_pool(programme)
        problem, edge_volunteer, _per_need, _ = build_problem(open_needs(programme), pool, programme_weights(programme))
        solution = solve(problem)
        return sorted(
            zip(problem.need[solution.chosen].tolist(), edge_volunteer[solution.chosen].tolist(), strict=True)
        )

    first = assignment()
    assert first == assignment()
    # Nobody is on both: the litter pick clashes with the kitchen.
    volunteers = [v for _n, v in first]
    assert len(volunteers) == len(set(volunteers)) == 3


def test_a_mentor_offered_two_families_up_to_their_limit_can_accept_both(coordinator, programme, today):
    import datetime as dt

    from matching.services import mentoring_need_create
    from tests.matching_support import at
    from timebank.accounts.models import Role

    mentor = kitchen_volunteer(
        coordinator, programme, role=Role.MENTOR, availability=((2, "15:00", "20:00"),), max_mentees=2
    )
    needs = [
        mentoring_need_create(
            actor=coordinator,
            programme=programme,
            title=f"Family {letter}",
            group_key=f"person:{n}",
            starts_at=at(today + dt.timedelta(days=3), 9),
            ends_at=at(today + dt.timedelta(days=90), 9),
            latitude=51.478,
            longitude=-3.189,
        )
        for n, letter in enumerate("AB")
    ]
    offers = [match_propose(actor=coordinator, need=need, volunteer=mentor, offer=True) for need in needs]

    for offer in offers:
        assert match_accept(actor=mentor.user, match=offer).status == MatchStatus.ACCEPTED

    third = mentoring_need_create(
        actor=coordinator,
        programme=programme,
        title="Family C",
        group_key="person:9",
        starts_at=at(today + dt.timedelta(days=3), 9),
        ends_at=at(today + dt.timedelta(days=90), 9),
        latitude=51.478,
        longitude=-3.189,
    )
    with unchanged(), pytest.raises(ValidationError) as refused:
        match_propose(actor=coordinator, need=third, volunteer=mentor)
    assert refused.value.message_dict == {"volunteer": ["Already mentors 2 of the 2 they can take on."]}


def test_accepting_checks_the_rules_again_and_refuses_what_no_longer_holds(coordinator, programme, kitchen, crew):
    from timebank.training.services.records import course_create

    offer = match_propose(actor=coordinator, need=kitchen, volunteer=crew[0], offer=True)
    # Since the offer, the coordinator made the shift ask for first aid too, which Nia lacks.
    first_aid = course_create(actor=coordinator, programme=programme, name="First aid")
    kitchen.required_courses.add(first_aid)

    with unchanged(), pytest.raises(ValidationError) as refused:
        match_accept(actor=crew[0].user, match=offer)
    assert refused.value.message_dict == {"volunteer": ["First aid: missing."]}
