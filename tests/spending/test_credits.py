"""Balances, statements, the programme ledger and reversals, through pages and API.

Worked example: Vera earns 2h30 at the tenants' meeting and 1 credit for an
article, then swims for 2 credits: 1.5 credits left.
"""

import csv
import io

import pytest

from ledger.models import AccountKind, Transaction, TransactionKind
from ledger.selectors import ledger_verify
from ledger.services import transaction_post
from tests.api_support import ROLE_HOLDERS, SIGNED_IN, assert_problem, call
from tests.assertions import unchanged, user_of
from tests.conftest import PERSONAS
from timebank.accounts.credits import programme_account
from timebank.accounts.models import AuditEntry
from timebank.volunteers.credits import volunteer_account, volunteer_balance

pytestmark = pytest.mark.django_db

# Every operation and page here is in a permission matrix below (see tests/coverage.py).
COVERED_API_OPERATIONS = {
    ("get", "/api/v1/me/credits"),
    ("get", "/api/v1/volunteers/{volunteer_id}/statement"),
    ("get", "/api/v1/programmes/{slug}/ledger"),
    ("get", "/api/v1/programmes/{slug}/transactions"),
    ("post", "/api/v1/transactions/{transaction_id}/reverse"),
}
COVERED_PAGES = {"my_credits", "statement", "programme_ledger", "transaction_reverse"}


@pytest.fixture
def history(programme, volunteer, coordinator):
    issuer = programme_account(programme, AccountKind.ISSUER)
    vera = volunteer_account(programme, volunteer)
    pool = programme_account(programme, AccountKind.COMMUNITY_FUND)
    meeting = transaction_post(
        kind=TransactionKind.EARN,
        scope_id=programme.pk,
        postings=[(issuer, -150), (vera, 150)],
        idempotency_key="t-meeting",
        memo="Tenants' meeting",
        created_by=coordinator,
    )
    article = transaction_post(
        kind=TransactionKind.EARN,
        scope_id=programme.pk,
        postings=[(issuer, -60), (vera, 60)],
        idempotency_key="t-article",
        memo="Newsletter article",
        created_by=coordinator,
    )
    swim = transaction_post(
        kind=TransactionKind.GIFT,
        scope_id=programme.pk,
        postings=[(vera, -120), (pool, 120)],
        idempotency_key="t-gift",
        memo="To the community fund",
        created_by=volunteer.user,
    )
    return {"meeting": meeting, "article": article, "gift": swim}


def test_volunteer_sees_balance_and_statement(history, programme, volunteer, client_for):
    client = client_for(volunteer.user)

    page = client.get("/me/credits/").content.decode()
    assert "1.5 credits" in page

    statement = client.get(f"/volunteers/{volunteer.pk}/credits/{programme.slug}/").content.decode()
    for text in ("Tenants&#x27; meeting", "+2.5 credits", "+1 credit", "−2 credits", "3.5 credits", "1.5 credits"):
        assert text in statement


def test_statement_downloads_as_csv_with_running_balances(history, programme, volunteer, client_for):
    response = client_for(volunteer.user).get(f"/volunteers/{volunteer.pk}/credits/{programme.slug}/?format=csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["kind"], r["minutes"], r["balance_after_minutes"]) for r in rows] == [
        ("opening", "", "0"),
        ("earn", "150", "150"),
        ("earn", "60", "210"),
        ("gift", "-120", "90"),
    ]


def test_statement_period_with_end_before_start_is_an_error(history, programme, volunteer, client_for):
    response = client_for(volunteer.user).get(
        f"/volunteers/{volunteer.pk}/credits/{programme.slug}/", {"start": "2026-05-02", "end": "2026-05-01"}
    )
    assert "The end of the period must not be before its start." in response.content.decode()


@pytest.mark.parametrize(
    "persona, status",
    [
        ("admin", 200),
        ("coordinator", 200),
        ("other_programme_coordinator", 404),
        ("mentor", 404),
        ("partner", 404),
        ("funder", 404),
        ("outsider", 404),
    ],
)
def test_who_may_read_a_statement_and_the_programme_ledger(
    request, history, programme, volunteer, persona, status, client_for
):
    client = client_for(user_of(request, persona))
    assert client.get(f"/volunteers/{volunteer.pk}/credits/{programme.slug}/").status_code == status
    # One rule for every coordinator's page and list: 403 for another role in the programme.
    ledger_status = 200 if persona in ("admin", "coordinator") else 403 if persona in ROLE_HOLDERS else 404
    assert client.get(f"/programmes/{programme.slug}/ledger/").status_code == ledger_status


def test_anonymous_people_are_sent_to_sign_in(programme, volunteer, client):
    for path in (
        "/me/credits/",
        f"/volunteers/{volunteer.pk}/credits/{programme.slug}/",
        "/programmes/tenants/ledger/",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_programme_ledger_shows_where_the_credits_are(history, programme, coordinator, client_for):
    page = client_for(coordinator).get(f"/programmes/{programme.slug}/ledger/").content.decode()
    assert "3.5 credits" in page  # issued
    assert "Newsletter article" in page and "Reverse" in page


def test_coordinator_reverses_a_transaction_once_even_when_the_form_is_sent_twice(
    history, programme, volunteer, coordinator, client_for
):
    client = client_for(coordinator)
    url = f"/programmes/{programme.slug}/ledger/{history['article'].pk}/reverse/"
    form = {"reason": "The article was not published", "token": "form-1"}

    first = client.post(url, form)
    second = client.post(url, form)

    assert first.status_code == second.status_code == 302
    reversal = Transaction.objects.get(reverses=history["article"])
    assert (reversal.kind, reversal.reason, reversal.created_by) == (
        "reverse",
        "The article was not published",
        coordinator,
    )
    assert volunteer_balance(programme, volunteer) == 30
    assert AuditEntry.objects.filter(action="ledger.reverse").count() == 1
    assert ledger_verify().ok


def test_a_reversed_transaction_says_so_on_the_ledger_and_offers_nothing(history, programme, coordinator, client_for):
    client = client_for(coordinator)
    article = history["article"]
    reverse_url = f"/programmes/{programme.slug}/ledger/{article.pk}/reverse/"
    client.post(reverse_url, {"reason": "Not published", "token": "form-1"})

    ledger = client.get(f"/programmes/{programme.slug}/ledger/").content.decode()
    assert f'href="{reverse_url}"' not in ledger
    assert "Reversed" in ledger
    # Another coordinator's stale link does not open a form that can only fail.
    with unchanged():
        page = client.get(reverse_url, follow=True)
    assert f"Transaction #{article.pk} was already reversed." in page.content.decode()
    assert 'name="reason"' not in page.content.decode()


def test_reversal_without_reason_or_of_spent_credits_is_refused_and_changes_nothing(
    history, programme, coordinator, client_for
):
    client = client_for(coordinator)
    with unchanged():
        response = client.post(
            f"/programmes/{programme.slug}/ledger/{history['meeting'].pk}/reverse/", {"reason": "", "token": "a"}
        )
    assert "This field is required." in response.content.decode()
    with unchanged():
        response = client.post(
            f"/programmes/{programme.slug}/ledger/{history['meeting'].pk}/reverse/", {"reason": "Wrong", "token": "b"}
        )
    assert "Not enough credits" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("other_programme_coordinator", 404), ("volunteer", 403), ("partner", 403), ("funder", 403), ("outsider", 404)],
)
def test_only_the_programmes_coordinators_may_reverse(request, history, programme, persona, status, client_for):
    client = client_for(user_of(request, persona))
    with unchanged():
        response = client.post(
            f"/programmes/{programme.slug}/ledger/{history['article'].pk}/reverse/", {"reason": "No", "token": "c"}
        )
    assert response.status_code == status


def test_api_balances_statement_and_ledger(history, programme, volunteer, coordinator, client_for):
    assert call(client_for(volunteer.user), "get", "/me/credits").json() == [
        {"programme": "tenants", "programme_name": programme.name, "minutes": 90}
    ]
    statement = call(client_for(coordinator), "get", f"/volunteers/{volunteer.pk}/statement", {"programme": "tenants"})
    assert [line["balance_after"] for line in statement.json()["lines"]] == [150, 210, 90]
    summary = call(client_for(coordinator), "get", "/programmes/tenants/ledger").json()
    assert (summary["issued"], summary["with_volunteers"], summary["community_fund"], summary["outstanding"]) == (
        210,
        90,
        120,
        210,
    )
    listing = call(client_for(coordinator), "get", "/programmes/tenants/transactions", {"limit": 2}).json()
    assert listing["count"] == 3 and [t["kind"] for t in listing["items"]] == ["gift", "earn"]


def test_api_statement_refusals(history, programme, volunteer, other_programme_coordinator, funder, client_for):
    assert_problem(
        call(
            client_for(other_programme_coordinator),
            "get",
            f"/volunteers/{volunteer.pk}/statement",
            {"programme": "tenants"},
        ),
        404,
    )
    assert_problem(call(client_for(funder), "get", "/programmes/tenants/ledger"), 403)
    assert_problem(
        call(
            client_for(volunteer.user),
            "get",
            f"/volunteers/{volunteer.pk}/statement",
            {"programme": "tenants", "start": "2026-02-01", "end": "2026-01-01"},
        ),
        422,
        "end",
    )


def test_api_reversal_is_idempotent_and_a_changed_payload_conflicts(
    history, programme, volunteer, coordinator, client_for
):
    client = client_for(coordinator)
    path = f"/transactions/{history['article'].pk}/reverse"

    first = call(client, "post", path, {"reason": "Duplicate"}, HTTP_IDEMPOTENCY_KEY="k-1")
    retry = call(client, "post", path, {"reason": "Duplicate"}, HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert first.json()["id"] == retry.json()["id"]
    assert volunteer_balance(programme, volunteer) == 30
    with unchanged():
        assert_problem(call(client, "post", path, {"reason": "Other reason"}, HTTP_IDEMPOTENCY_KEY="k-1"), 409)
    with unchanged():
        assert_problem(call(client, "post", path, {"reason": "Again"}, HTTP_IDEMPOTENCY_KEY="k-2"), 422, "transaction")


READS = {
    "my balances": ("/me/credits", dict.fromkeys(SIGNED_IN, 200)),
    "statement": (
        "/volunteers/{volunteer}/statement?programme=tenants",
        {**dict.fromkeys(SIGNED_IN, 404), "admin": 200, "coordinator": 200, "volunteer": 200},
    ),
    "ledger summary": (
        "/programmes/tenants/ledger",
        {**dict.fromkeys(SIGNED_IN, 404), **dict.fromkeys(ROLE_HOLDERS, 403), "admin": 200, "coordinator": 200},
    ),
    "transactions": (
        "/programmes/tenants/transactions",
        {**dict.fromkeys(SIGNED_IN, 404), **dict.fromkeys(ROLE_HOLDERS, 403), "admin": 200, "coordinator": 200},
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", READS)
def test_api_read_matrix(history, volunteer, mentor, client_as, operation, persona):
    path, expected = READS[operation]
    caller = client_as(persona)
    response = caller.get("/api/v1" + path.format(volunteer=volunteer.pk))
    if persona == "anonymous":
        assert_problem(response, 401)
    elif expected[persona] >= 400:
        assert_problem(response, expected[persona])
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_reverse_matrix(history, mentor, client_as, persona):
    caller = client_as(persona)
    allowed = persona in ("admin", "coordinator")
    if allowed:
        response = call(caller, "post", f"/transactions/{history['article'].pk}/reverse", {"reason": "Matrix"})
        assert response.status_code == 201
        return
    with unchanged():
        response = call(caller, "post", f"/transactions/{history['article'].pk}/reverse", {"reason": "Matrix"})
    assert_problem(response, 401 if persona == "anonymous" else 404)


def test_a_statement_csv_never_hands_a_spreadsheet_a_formula(programme, volunteer, coordinator, client_for, yesterday):
    """An activity a coordinator named like a formula reaches the memo of every claim paid for it."""
    from timebank.earning.services.activities import activity_create
    from timebank.earning.services.claims import claim_approve, claim_log

    risky = activity_create(actor=coordinator, programme=programme, name='=HYPERLINK("http://evil.example")')
    claim = claim_log(actor=volunteer.user, volunteer=volunteer, activity=risky, date=yesterday, minutes=60)
    claim_approve(actor=coordinator, claim=claim)

    response = client_for(volunteer.user).get(f"/volunteers/{volunteer.pk}/credits/{programme.slug}/?format=csv")

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    earned = next(r for r in rows if r["kind"] == "earn")
    assert earned["memo"].startswith("'=HYPERLINK(")
    assert earned["minutes"] == "60"  # numbers stay numbers
