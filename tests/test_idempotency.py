"""One idempotency mechanism for every write a client may retry (earning and spending).

Every operation below is tried through the API with an `Idempotency-Key`, in two
programmes at once (the tenants' scheme and the family mentors), by a person who holds
the same role in both and by a second person of that role in each:

- a retry returns the first answer, with the same status, and changes nothing;
- the same key with another request answers 409 problem+json and changes nothing;
- the same key sent by another person, or by the same person in the other programme,
  is a request of its own: it is carried out and never answers with the first one's data.

Matching, mentoring and impact operations have the same table in
tests/test_idempotency_matching_mentoring_impact.py.
"""

import datetime as dt

import pytest
from django.utils import timezone

from tests.api_support import assert_problem
from tests.assertions import unchanged
from tests.conftest import PASSWORD
from tests.idempotency_support import (
    Operation,
    TwoProgrammes,
    check_a_retry_returns_the_first_answer_with_its_status,
    check_the_same_key_for_another_request_answers_409_and_changes_nothing,
    check_the_same_key_from_another_person_is_a_request_of_its_own,
    check_the_same_key_in_another_programme_is_a_request_of_its_own,
    prepared,
    send,
)
from tests.spending_support import earn, spending_world
from timebank.accounts.models import IdempotencyRecord, MembershipStatus, Role
from timebank.accounts.services.idempotency import idempotency_records_purge
from timebank.accounts.services.programmes import membership_grant
from timebank.earning.services.activities import activity_create, activity_session_create
from timebank.earning.services.claims import claim_log
from timebank.spending.services.gifts import gift_to_fund
from timebank.spending.services.partners import partner_staff_add
from timebank.spending.services.redeem import voucher_issue
from timebank.volunteers.services.profiles import volunteer_register

HOURS = 60


class World(TwoProgrammes):
    """Two programmes, each with a meeting, a pool and a cinema; people acting in both
    (`a`: one coordinator, volunteer and partner for both) and in one (`b`)."""

    def __init__(self, admin, programmes):
        super().__init__(admin, programmes)
        self.coordinator_a = self._person("coord-both", Role.COORDINATOR, programmes)
        self.partner_a = self._person("partner-both", Role.PARTNER, programmes)
        self.coordinator_b = [self._person(f"coord-{i}", Role.COORDINATOR, [p]) for i, p in enumerate(programmes)]
        self.volunteer_a = volunteer_register(
            actor=self.coordinator_a,
            programme=programmes[0],
            full_name="Bo Both",
            username="vol-both",
            password=PASSWORD,
            email="bo@example.org",
            status=MembershipStatus.ACTIVE,
            consent_to_record=True,
        )
        membership_grant(
            actor=self.coordinator_a, user=self.volunteer_a.user, programme=programmes[1], role="volunteer"
        )
        self.volunteer_b = [
            volunteer_register(
                actor=self.coordinator_a,
                programme=p,
                full_name=f"Val {i}",
                username=f"vol-{i}",
                password=PASSWORD,
                email=f"val{i}@example.org",
                status=MembershipStatus.ACTIVE,
                consent_to_record=True,
            )
            for i, p in enumerate(programmes)
        ]
        self.meeting, self.venues, self.partner_b = [], [], []
        for i, programme in enumerate(programmes):
            self.meeting.append(activity_create(actor=self.coordinator_a, programme=programme, name="Meeting"))
            venues = spending_world(coordinator=self.coordinator_a, programme=programme, partner=self.partner_a)
            self.venues.append(venues)
            staff = self._person(f"partner-{i}", Role.PARTNER, [programme])
            partner_staff_add(actor=self.coordinator_a, venue=venues.pool, user=staff)
            self.partner_b.append(staff)
            for volunteer in (self.volunteer_a, self.volunteer_b[i]):
                earn(programme, volunteer, 20 * HOURS)
            gift_to_fund(actor=self.volunteer_b[i].user, giver=self.volunteer_b[i], programme=programme, minutes=HOURS)

    def pending_claim(self, i, who, variant, n=0):
        """A claim waiting for approval, one per (programme, person, payload, n): a day of its own."""
        days = 1 + variant + 2 * n + 4 * (who == "b")
        return self.once(
            ("claim", i, who, variant, n),
            lambda: claim_log(
                actor=self.volunteer_b[i].user,
                volunteer=self.volunteer_b[i],
                activity=self.meeting[i],
                date=self.today - dt.timedelta(days=days),
                minutes=HOURS,
            ),
        )

    def session(self, i, who, variant):
        days = 1 + variant + 2 * (who == "b")
        return self.once(
            ("session", i, who, variant),
            lambda: activity_session_create(
                actor=self.coordinator_a,
                activity=self.meeting[i],
                date=self.today - dt.timedelta(days=days),
                duration_minutes=90,
            ),
        )

    def voucher(self, i, who, variant, purpose):
        owner = self.actor("volunteer", i, who) if purpose == "cancel" else self.volunteer_b[i]
        return self.once(
            ("voucher", purpose, i, who, variant),
            lambda: voucher_issue(actor=owner.user, volunteer=owner, offer=self.venues[i].swim),
        )

    def earning(self, i, who, variant):
        return self.once(("earning", i, who, variant), lambda: earn(self.programmes[i], self.volunteer_b[i], HOURS))


def _claim(w, i, who, variant):
    day = w.today - dt.timedelta(days=10 + variant)
    return "post", "/claims", {"activity": w.meeting[i].pk, "date": str(day), "minutes": HOURS + 30 * variant}


def _session(w, i, who, variant):
    day = w.today - dt.timedelta(days=20 + variant)
    return (
        "post",
        f"/programmes/{w.programmes[i].slug}/sessions",
        {
            "activity": w.meeting[i].pk,
            "date": str(day),
            "duration_minutes": 90,
        },
    )


def _approve(w, i, who, variant):
    return "post", f"/claims/{w.pending_claim(i, who, variant).pk}/approve", {}


def _bulk(w, i, who, variant):
    return "post", "/claims/bulk-approve", {"claims": [w.pending_claim(i, who, variant, n).pk for n in (0, 1)]}


def _attendance(w, i, who, variant):
    return "post", f"/sessions/{w.session(i, who, variant).pk}/attendance", {"volunteers": [w.volunteer_b[i].pk]}


def _voucher(w, i, who, variant):
    offer = w.venues[i].swim if variant == 0 else w.venues[i].film
    return "post", "/vouchers", {"offer": offer.pk}


def _cancel(w, i, who, variant):
    return "post", f"/vouchers/{w.voucher(i, who, variant, 'cancel').pk}/cancel", {"reason": "Changed my mind"}


def _confirm(w, i, who, variant):
    return "post", "/vouchers/confirm", {"code": w.voucher(i, who, variant, "confirm").code}


def _till(w, i, who, variant):
    member = w.volunteer_b[i] if variant == 0 else w.volunteer_a
    body = {"membership_number": member.membership_number, "offer": w.venues[i].swim.pk}
    return "post", f"/venues/{w.venues[i].pool.pk}/redemptions", body


def _gift(w, i, who, variant):
    to = w.volunteer_b[i] if who == "a" else w.volunteer_a
    body = {"programme": w.programmes[i].slug, "to": "member", "membership_number": to.membership_number}
    return "post", "/gifts", {**body, "minutes": 30 + 15 * variant}


def _gift_to_fund(w, i, who, variant):
    return "post", "/gifts", {"programme": w.programmes[i].slug, "to": "fund", "minutes": 15 + 15 * variant}


def _grant(w, i, who, variant):
    body = {"membership_number": w.volunteer_b[i].membership_number, "minutes": 10 + 5 * variant}
    return "post", f"/programmes/{w.programmes[i].slug}/fund/grants", body


def _reverse(w, i, who, variant):
    return "post", f"/transactions/{w.earning(i, who, variant).pk}/reverse", {"reason": "Entered twice"}


OPERATIONS = [
    Operation("log hours", "volunteer", 201, _claim),
    Operation("add a session", "coordinator", 201, _session),
    Operation("approve a claim", "coordinator", 200, _approve),
    Operation("approve many claims", "coordinator", 200, _bulk),
    Operation("record attendance", "coordinator", 200, _attendance),
    Operation("take a voucher", "volunteer", 201, _voucher),
    Operation("cancel a voucher", "volunteer", 200, _cancel),
    Operation("confirm a voucher", "partner", 200, _confirm),
    Operation("redeem at the till", "partner", 201, _till),
    Operation("give credits to a member", "volunteer", 201, _gift),
    Operation("give credits to the fund", "volunteer", 201, _gift_to_fund),
    Operation("grant from the fund", "coordinator", 201, _grant),
    Operation("reverse a transaction", "coordinator", 201, _reverse),
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


@pytest.mark.parametrize("key", ["", " ", "x" * 101, "tab\there"])
def test_a_malformed_key_is_refused_before_anything_is_written(world, key):
    request = prepared(world, OPERATIONS[0], 0, "a", key)
    with unchanged():
        response = request()

    assert_problem(response, 422, "Idempotency-Key")


def test_records_are_purged_after_the_stated_time_and_the_ledger_still_pays_once(world, settings):
    """After the purge the key is a new request; the ledger's own transaction key still
    refuses to pay the same voucher twice, so the balance moves once."""
    take = next(o for o in OPERATIONS if o.name == "take a voucher")
    first = send(world, take, 0, "a", "old-key")
    assert first.status_code == 201
    later = timezone.now() + dt.timedelta(days=settings.IDEMPOTENCY_KEEP_DAYS + 1)

    assert idempotency_records_purge(now=later) >= 1
    assert idempotency_records_purge(now=later) == 0
    assert not IdempotencyRecord.objects.exists()

    again = send(world, take, 0, "a", "old-key")
    assert again.status_code == 409  # the voucher's hold transaction exists: not paid twice
    assert again.json()["status"] == 409


def test_a_record_younger_than_the_stated_time_is_kept(world, settings):
    send(world, OPERATIONS[0], 0, "a", "young")
    almost = timezone.now() + dt.timedelta(days=settings.IDEMPOTENCY_KEEP_DAYS - 1)

    assert idempotency_records_purge(now=almost) == 0
    assert IdempotencyRecord.objects.filter(key="young").exists()


def test_approving_again_without_the_audit_log_still_answers_the_first_approval(world):
    """Correctness never leans on the audit log: pruning it does not let a retry pay twice."""
    from ledger.selectors import balance_of
    from ledger.types import AccountKind
    from timebank.accounts.models import AuditEntry

    approve = next(o for o in OPERATIONS if o.name == "approve a claim")
    first = send(world, approve, 0, "a", "approve-1")
    AuditEntry.objects.all().delete()
    volunteer = world.volunteer_b[0]
    before = balance_of(kind=AccountKind.VOLUNTEER, scope_id=world.programmes[0].pk, holder_id=volunteer.pk)

    retry = send(world, approve, 0, "a", "approve-1")

    assert (retry.status_code, retry.json()) == (200, first.json())
    after = balance_of(kind=AccountKind.VOLUNTEER, scope_id=world.programmes[0].pk, holder_id=volunteer.pk)
    assert after == before


def test_a_bulk_approval_cut_short_is_resumed_by_its_retry(world, monkeypatch):
    """A retry of a bulk approval whose worker died after its first chunk counts the claims
    that chunk approved and approves the rest, paying each claim once."""
    from timebank.earning.services import claims as claim_services

    claims = [world.pending_claim(0, "a", 0, n) for n in range(3)]
    monkeypatch.setattr(claim_services, "BULK_CHUNK", 1)
    calls = {"n": 0}
    real_chunk = claim_services._approve_chunk

    def dies_after_one_chunk(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real_chunk(*args)

    monkeypatch.setattr(claim_services, "_approve_chunk", dies_after_one_chunk)
    coordinator = world.coordinator_a
    with pytest.raises(SystemExit):
        claim_services.claims_approve_bulk(actor=coordinator, claims=claims, idempotency_key="bulk-1")
    monkeypatch.setattr(claim_services, "_approve_chunk", real_chunk)

    result = claim_services.claims_approve_bulk(actor=coordinator, claims=claims, idempotency_key="bulk-1")

    assert [c.pk for c in result.approved] == [c.pk for c in claims]
    assert result.refused == []
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == "approved"
    # The finished request now answers from its record.
    with unchanged():
        again = claim_services.claims_approve_bulk(actor=coordinator, claims=claims, idempotency_key="bulk-1")
    assert [c.pk for c in again.approved] == [c.pk for c in claims]
