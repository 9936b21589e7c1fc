"""Impact statements: the figures of a programme worked out by hand (tests/impact_support.py),
the small-number rule, reproducibility, the documents, and who may ask for them."""

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from impact.building import statement_build
from impact.documents import checksum_of, figures_csv, figures_json
from impact.figures import Period, statement_figures
from impact.models import ImpactStatement, RequestStatus, StatementRequest
from impact.services import RateLimited, statement_request
from impact.suppression import Row, protect
from impact.tasks import build_statement
from tests.assertions import unchanged
from tests.impact_support import MARCH, build_march, frozen_clock, give, march, register
from timebank.accounts.models import Role
from timebank.accounts.services.programmes import membership_grant

# The product's rule, written out here rather than imported: a test that read the threshold
# from the code it tests would pass whatever the code said.
SMALL_NUMBER = 5
FEWER_THAN_5 = "fewer than 5"
WITHHELD = "not shown"
HIDDEN = (FEWER_THAN_5, WITHHELD)


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """statement_request, with the build it queues after the commit run (eagerly) at once."""

    def ask(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            asked = statement_request(**kwargs)
        asked.refresh_from_db()
        return asked

    return ask


def figures_of(programme, start=MARCH[0], end=MARCH[1], **options):
    return statement_figures([programme], start=start, end=end, prepared_for="Fran Funder", **options)


def rows(breakdown) -> dict:
    return {row["key"]: {k: v for k, v in row.items() if k != "key"} for row in breakdown}


# --- The figures, worked by hand ----------------------------------------------------------


def test_march_figures_are_the_ones_worked_out_by_hand(march, programme):
    figures = figures_of(programme, include_demographics=True)
    now = figures["current"]

    assert figures["period"] == {"start": "2026-03-01", "end": "2026-03-31", "days": 31}
    assert figures["previous_period"] == {"start": "2026-02-01", "end": "2026-02-28", "days": 28}
    assert figures["programmes"] == [
        {
            "slug": "tenants",
            "name": "Tenants' time credits",
            "organisation": "Taff Housing",
            "currency": "GBP",
            "hourly_value": "12.00",
        }
    ]
    assert now["volunteers"]["active"] == 7
    # 2 returning is a figure about fewer than 5; with 7 active, 5 new would give it away.
    assert rows(now["volunteers"]["breakdown"]) == {
        "new": {"people": WITHHELD},
        "returning": {"people": FEWER_THAN_5},
    }
    assert now["hours"]["minutes"] == 720
    # Newsletter (one volunteer) is hidden; Garden, the smaller of the others by key, is withheld too.
    assert rows(now["hours"]["by_activity"]) == {
        "Garden": {"people": WITHHELD, "minutes": WITHHELD},
        "Newsletter": {"people": FEWER_THAN_5, "minutes": FEWER_THAN_5},
        "Panel": {"people": 5, "minutes": 300},
    }
    assert rows(now["hours"]["by_month"]) == {"2026-03": {"people": 7, "minutes": 720}}
    assert now["value_of_time"] == {"GBP": "144.00"}

    # Redeemed by 2 people: hidden, and issued with it (outstanding end - start = issued - redeemed).
    assert now["credits"] == {
        "issued": WITHHELD,
        "redeemed": FEWER_THAN_5,
        "expired": 0,
        "gifted": FEWER_THAN_5,
        "outstanding_start": 120,
        "outstanding_end": 600,
    }
    assert now["redemptions"]["people"] == FEWER_THAN_5
    assert now["redemptions"]["by_category"] == [
        {"key": "sport", "people": FEWER_THAN_5, "count": FEWER_THAN_5, "minutes": FEWER_THAN_5,
         "cash_value": FEWER_THAN_5}
    ]  # fmt: skip
    assert now["training"] == {"completed": 0, "people_trained": 0, "by_course": [], "qualified_at_end": 0}

    assert now["mentorships"]["active"] == 6
    assert now["mentorships"]["mentors"] == 5
    assert rows(now["mentorships"]["breakdown"]) == {
        "started": {"people": WITHHELD},
        "continuing": {"people": FEWER_THAN_5},
    }
    assert now["mentorships"]["closed"] == FEWER_THAN_5
    assert {key: row["people"] for key, row in rows(now["mentorships"]["closed_by_reason"]).items()} == {
        "goals_met": FEWER_THAN_5,
        "moved_away": 0,
        "disengaged": 0,
        "mentor_withdrew": 0,
        "referred": 0,
        "other": 0,
    }
    assert now["reach"]["supported"] == 6
    assert now["reach"]["people_reached"] == 8
    assert rows(now["reach"]["breakdown"]) == {
        "families": {"people": FEWER_THAN_5},
        "individuals": {"people": FEWER_THAN_5},
    }
    assert now["goals"]["set"] == 5
    assert now["goals"]["people_with_goals"] == 5
    assert rows(now["goals"]["by_status"]) == {
        "active": {"people": FEWER_THAN_5, "goals": FEWER_THAN_5},  # three families
        "achieved": {"people": FEWER_THAN_5, "goals": FEWER_THAN_5},  # two: together five
        "dropped": {"people": 0, "goals": 0},
    }
    assert now["goals"]["mean_t_baseline"] == "40.00"
    assert now["goals"]["mean_t_latest"] == "56.00"

    assert now["costs"] == {
        "by_category": [
            {"key": "support", "amount": {"GBP": "100.00"}},
            {"key": "training", "amount": {"GBP": "500.00"}},
        ],
        "total": {"GBP": "600.00"},
    }
    outcomes = rows(now["savings"]["outcomes"])
    assert {k: (o["count"], o["gross"], o["net"]) for k, o in outcomes.items()} == {
        "Panel place": (6, "900.00", "648.00"),
        "Goal achieved": (FEWER_THAN_5, FEWER_THAN_5, FEWER_THAN_5),
    }
    assert now["savings"]["gross"] == {"GBP": "900.00"}
    assert now["savings"]["net"] == {"GBP": "648.00"}
    assert now["savings"]["outcomes_left_out"] == 1
    assert now["cost_benefit"] == {"GBP": {"gross_ratio": "1.50", "net_ratio": "1.08"}}
    assert rows(now["demographics"]["volunteers_by_gender"]) == {"not_stated": {"people": 7}}
    assert figures["narratives"] == [
        {
            "programme": "tenants",
            "start": "2026-03-01",
            "end": "2026-03-31",
            "narrative": "The garden opened.",
            "case_study": "A tenant found her feet.",
        }
    ]


def test_february_is_the_previous_period_and_about_two_people(march, programme):
    before = figures_of(programme)["previous"]
    assert before["volunteers"]["active"] == FEWER_THAN_5
    assert before["hours"]["minutes"] == FEWER_THAN_5
    assert before["value_of_time"] == {"GBP": FEWER_THAN_5}
    assert before["mentorships"]["active"] == FEWER_THAN_5  # Family 1 only
    assert before["costs"]["total"] == {"GBP": "50.00"}
    assert rows(before["savings"]["outcomes"])["Panel place"]["count"] == FEWER_THAN_5
    assert before["savings"]["gross"] == {"GBP": "0.00"}
    assert before["cost_benefit"] == {"GBP": {"gross_ratio": "0.00", "net_ratio": "0.00"}}


def test_a_period_of_days_is_compared_with_as_many_days_before():
    assert Period(dt.date(2026, 3, 10), dt.date(2026, 3, 19)).previous() == Period(
        dt.date(2026, 2, 28), dt.date(2026, 3, 9)
    )
    assert Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)).previous() == Period(
        dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    )
    assert Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31)).previous() == Period(
        dt.date(2025, 10, 1), dt.date(2025, 12, 31)
    )


def test_with_enough_people_every_credit_figure_shows_and_the_flow_adds_up(march, coordinator, programme, partner):
    for n in (2, 4, 5):  # five people redeem in all
        give(coordinator, march.volunteers[n], march.activities["garden"], dt.date(2026, 3, 20), 120)
    from timebank.spending.services.redeem import redeem_at_till

    for n in (2, 4, 5):
        volunteer = march.volunteers[n]
        redeem_at_till(
            actor=partner, venue=march.shops.pool, membership_number=volunteer.membership_number, offer=march.shops.swim
        )
    credits = figures_of(programme)["current"]["credits"]
    assert credits["issued"] == 720 + 360
    assert credits["redeemed"] == 5 * 120
    assert credits["outstanding_end"] == credits["outstanding_start"] + credits["issued"] - credits["redeemed"]


# --- The small-number rule ---------------------------------------------------------------


def test_a_single_small_row_is_withheld_with_the_smallest_other():
    protected = protect(
        [Row("a", {"m": 10}, frozenset({1, 2})), Row("b", {"m": 50}, frozenset(range(10, 20))),
         Row("c", {"m": 30}, frozenset(range(20, 26)))],
        total_people=frozenset({1, 2, *range(10, 26)}),
    )  # fmt: skip
    assert [(r["key"], r["m"]) for r in protected] == [("a", FEWER_THAN_5), ("b", 50), ("c", WITHHELD)]


def test_hidden_rows_about_the_same_few_people_are_not_enough():
    # a and b are hidden, but both are about people 1 and 2: their sum is still about 2.
    same = frozenset({1, 2})
    protected = protect(
        [Row("a", {}, same), Row("b", {}, same), Row("c", {}, frozenset(range(10, 20)))],
        total_people=frozenset({1, 2, *range(10, 20)}),
    )
    assert [r["people"] for r in protected] == [FEWER_THAN_5, FEWER_THAN_5, WITHHELD]


def test_a_total_about_fewer_than_five_hides_every_row_but_zeros():
    protected = protect([Row("a", {}, frozenset({1, 2})), Row("b", {}, frozenset())], total_people=frozenset({1, 2}))
    assert [r["people"] for r in protected] == [FEWER_THAN_5, 0]


@given(st.lists(st.frozensets(st.integers(0, 30), max_size=12), min_size=1, max_size=8))
def test_no_hidden_figure_can_be_worked_out_from_the_total(groups):
    """Whatever the breakdown: every row about 1 to 4 people is hidden, and the people behind
    the hidden rows together are none or at least 5, so total minus shown rows reveals no
    figure about fewer than 5 people."""
    total = frozenset().union(*groups)
    protected = protect([Row(str(i), {}, g) for i, g in enumerate(groups)], total_people=total)
    hidden = [g for g, row in zip(groups, protected, strict=True) if row["people"] in HIDDEN]
    for group, row in zip(groups, protected, strict=True):
        if 0 < len(group) < SMALL_NUMBER:
            assert row["people"] in HIDDEN
        if row["people"] not in HIDDEN:
            assert row["people"] == len(group)
    union = frozenset().union(*hidden) if hidden else frozenset()
    assert len(union) == 0 or len(union) >= SMALL_NUMBER or 0 < len(total) < SMALL_NUMBER


# --- Reproducible, constant in queries ---------------------------------------------------


def test_the_same_inputs_give_the_same_bytes_and_new_data_another_checksum(march, coordinator, programme):
    first = figures_json(figures_of(programme))
    assert figures_json(figures_of(programme)) == first
    give(coordinator, march.volunteers[7], march.activities["garden"], dt.date(2026, 3, 28), 30)
    changed = figures_json(figures_of(programme))
    assert checksum_of(changed) != checksum_of(first)
    assert json.loads(changed)["current"]["hours"]["minutes"] == 750


def test_the_number_of_queries_does_not_grow_with_volunteers_or_transactions(march, coordinator, programme):
    with CaptureQueriesContext(connection) as before:
        figures_of(programme)
    for n in range(12):
        volunteer = register(coordinator, programme, f"Extra {n}")
        for day in (3, 4, 5):
            give(coordinator, volunteer, march.activities["garden"], dt.date(2026, 3, day + n), 30)
    with CaptureQueriesContext(connection) as after:
        figures = figures_of(programme)
    assert figures["current"]["volunteers"]["active"] == 19
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_csv_holds_the_same_figures_side_by_side(march, programme):
    figures = figures_of(programme)
    lines = figures_csv(figures).splitlines()
    assert lines[3] == "section,figure,this_period,previous_period"
    assert "hours,minutes,720,fewer than 5" in lines
    assert "value_of_time,GBP,144.00,fewer than 5" in lines
    assert "hours,by_activity[Panel].minutes,300," in lines  # no panel in February


def test_the_csv_never_hands_a_spreadsheet_a_formula(march, programme):
    """A programme's name is typed by an administrator; in the CSV it stays text."""
    programme.name = "=cmd|' /C calc'!A0"
    programme.save(update_fields=["name"])

    lines = figures_csv(figures_of(programme)).splitlines()

    assert lines[0] == "# Timebank impact statement,'=cmd|' /C calc'!A0"


# --- Building and keeping the documents ---------------------------------------------------


def test_the_funder_gets_a_pdf_whose_text_holds_the_figures(march, funder, programme, ask):
    asked = ask(actor=funder, programmes=[programme], start=MARCH[0], end=MARCH[1])
    assert asked.status == RequestStatus.READY and asked.progress == 100
    statement = asked.statement
    assert json.loads(statement.figures_json)["prepared_for"] == "Funder Person"
    assert statement.checksum == checksum_of(statement.figures_json)
    pdf = PdfReader(io.BytesIO(bytes(statement.pdf)))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    for expected in (
        "Tenants' time credits",
        "2026-03-01 to 2026-03-31",
        "Prepared for Funder Person",
        "12 h",  # hours given
        "£144.00",  # value of the time
        "Panel 5 h 5",  # the activity shown, its hours and volunteers
        "56.00",  # mean T-score at the latest review
        "1.08 : 1",  # net cost-benefit
        "fewer than 5",
        "not shown",
        "The garden opened.",
        "Methodology",
        f"Page 2 of {len(pdf.pages)}",  # the cover has no number
    ):
        assert expected in text, expected
    assert statement.checksum in text.replace(" ", "")
    assert pdf.metadata.title.startswith("Impact statement: Tenants' time credits")


def test_the_task_run_twice_and_asking_again_keep_one_document(march, funder, programme, ask):
    first = ask(actor=funder, programmes=[programme], start=MARCH[0], end=MARCH[1])
    built_at = first.statement.built_at
    build_statement.delay(first.pk)  # again: the request is already built
    statement_build(request_id=first.pk)
    second = ask(actor=funder, programmes=[programme], start=MARCH[0], end=MARCH[1])
    first.refresh_from_db()
    assert ImpactStatement.objects.count() == 1
    assert first.statement == second.statement
    assert StatementRequest.objects.filter(status=RequestStatus.READY).count() == 2
    assert first.statement.built_at == built_at


def test_the_same_statement_twice_on_a_broker_run_twice(march, funder, programme, ask):
    """Two requests queued before either is built: each build computes the figures, the
    first stores the document, the second finds it."""
    first = statement_request(actor=funder, programmes=[programme], start=MARCH[0], end=MARCH[1])
    second = statement_request(actor=funder, programmes=[programme], start=MARCH[0], end=MARCH[1])
    assert first.status == second.status == RequestStatus.QUEUED  # nothing ran: still in the test's transaction
    assert statement_build(request_id=first.pk) == statement_build(request_id=second.pk)
    assert ImpactStatement.objects.count() == 1


def test_two_builds_of_the_same_figures_at_once_store_one(march, funder, programme, ask):
    """The second build finds the checksum taken and uses the stored document."""
    from impact.building import _store

    asked = ask(actor=funder, programmes=[programme], start=MARCH[0], end=MARCH[1])
    again = _store(asked.statement.checksum, "{}", "", b"", asked, [programme])
    assert again == asked.statement and ImpactStatement.objects.count() == 1


def test_a_failed_build_says_so_and_stores_nothing(march, funder, programme, monkeypatch, ask):
    import impact.building

    def broken(*args, **kwargs):
        raise RuntimeError("renderer gone")

    monkeypatch.setattr(impact.building, "statement_pdf", broken)
    asked = ask(actor=funder, programmes=[programme], start=MARCH[0], end=MARCH[1])
    assert asked.status == RequestStatus.FAILED and "RuntimeError" in asked.error
    assert ImpactStatement.objects.count() == 0


# --- Refusals ------------------------------------------------------------------------------


def test_a_funder_of_another_programme_is_refused_and_nothing_changes(frozen_clock, admin, programme, other_programme):
    other_funder = register_funder(admin, other_programme)
    with unchanged(), pytest.raises(PermissionDenied):
        statement_request(actor=other_funder, programmes=[programme], start=MARCH[0], end=MARCH[1])


def register_funder(admin, programme):
    from timebank.accounts.services.programmes import account_create

    user = account_create(actor=admin, username="other-funder", password="x-Pass-123456", full_name="Otto Funder")
    membership_grant(actor=admin, user=user, programme=programme, role=Role.FUNDER)
    return user


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (dt.date(2026, 3, 31), dt.date(2026, 3, 1), "end"),
        (dt.date(2026, 3, 1), dt.date(2026, 4, 30), "end"),  # after today (31 March)
        (dt.date(2020, 1, 1), dt.date(2026, 3, 1), "end"),  # over three years
    ],
)
def test_a_bad_period_is_refused_naming_the_field(frozen_clock, funder, programme, start, end, field):
    from django.core.exceptions import ValidationError

    with unchanged(), pytest.raises(ValidationError) as refused:
        statement_request(actor=funder, programmes=[programme], start=start, end=end)
    assert field in refused.value.message_dict


def test_asking_too_often_is_refused_until_the_hour_passes(frozen_clock, funder, programme, settings):
    settings.IMPACT_REQUESTS_PER_HOUR = 2
    for _ in range(2):
        statement_request(actor=funder, programmes=[programme], start=MARCH[0], end=MARCH[1])
    with unchanged(), pytest.raises(RateLimited) as refused:
        statement_request(actor=funder, programmes=[programme], start=MARCH[0], end=MARCH[1])
    assert 0 < refused.value.wait <= 3600


# --- The operator command -------------------------------------------------------------------


def test_the_command_writes_the_pdf_and_the_json_of_the_same_figures(march, programme, tmp_path):
    call_command(
        "impact_statement", "--programme", "tenants", "--start", "2026-03-01", "--end", "2026-03-31",
        "--format", "json", "--output", str(tmp_path / "s.json"), "--prepared-for", "Fran Funder",
    )  # fmt: skip
    assert (tmp_path / "s.json").read_text() == figures_json(figures_of(programme))
    call_command(
        "impact_statement", "--programme", "tenants", "--start", "2026-03-01", "--end", "2026-03-31",
        "--output", str(tmp_path / "s.pdf"),
    )  # fmt: skip
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF-")


def test_the_command_refuses_an_unknown_programme(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No programme with the slug nowhere"):
        call_command(
            "impact_statement", "--programme", "nowhere", "--start", "2026-03-01", "--end", "2026-03-31",
            "--output", str(tmp_path / "s.pdf"),
        )  # fmt: skip
    assert not (tmp_path / "s.pdf").exists()


__all__ = ["build_march", "frozen_clock", "march"]
