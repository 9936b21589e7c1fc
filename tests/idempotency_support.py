"""The table both idempotency test modules run: each operation sent through the API with an
`Idempotency-Key`, in two programmes, by a person who holds the role in both (`a`) and by a
second person of that role in each (`b`).

A module gives a world (a TwoProgrammes with `<role>_a` and `<role>_b` people) and its
operations; the four checks say what every retryable write must do.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone

from tests.api_support import assert_problem, call
from tests.assertions import unchanged
from tests.conftest import PASSWORD
from timebank.accounts.models import IdempotencyRecord
from timebank.accounts.services.programmes import account_create, membership_grant


@dataclass
class Operation:
    name: str
    role: str  # the world's attribute prefix of who sends it: coordinator, volunteer, partner...
    status: int
    send: Callable  # (world, i, who, variant) -> (method, path, body)
    other_request: bool = True  # whether a second payload exists to send under the same key


class TwoProgrammes:
    """What every world of the table has: two programmes, people made in them, and rows made
    once per name so that a retry acts on the same row as its first attempt."""

    def __init__(self, admin, programmes):
        self.admin = admin
        self.programmes = programmes
        self.today = timezone.localdate()
        self.cache: dict = {}

    def _person(self, username, role, programmes):
        user = account_create(actor=self.admin, username=username, password=PASSWORD, full_name=username.title())
        for programme in programmes:
            membership_grant(actor=self.admin, user=user, programme=programme, role=role)
        return user

    def actor(self, role: str, i: int, who: str):
        """`a` holds the role in both programmes, `b` is programme i's own."""
        return getattr(self, f"{role}_a") if who == "a" else getattr(self, f"{role}_b")[i]

    def once(self, name, build: Callable):
        if name not in self.cache:
            self.cache[name] = build()
        return self.cache[name]


def client_of(user) -> Client:
    """A client signed in as `user` (signing in writes the sign-in time: do it before `unchanged()`)."""
    client = Client()
    client.force_login(user.user if hasattr(user, "user") else user)
    return client


def prepared(world, operation: Operation, i: int, who: str, key: str, variant: int = 0) -> Callable:
    """The request, ready to send: its rows made and its sender signed in, so that only
    sending it happens inside `unchanged()`."""
    user = world.actor(operation.role, i, who)
    user = user.user if hasattr(user, "user") else user
    client = world.once(("client", user.pk), lambda: client_of(user))
    method, path, body = operation.send(world, i, who, variant)
    return lambda: call(client, method, path, body, HTTP_IDEMPOTENCY_KEY=key)


def send(world, operation: Operation, i: int, who: str, key: str, variant: int = 0):
    return prepared(world, operation, i, who, key, variant)()


def check_a_retry_returns_the_first_answer_with_its_status(world, operation):
    first = send(world, operation, 0, "a", "retry-me")
    assert first.status_code == operation.status, first.content
    retry_it = prepared(world, operation, 0, "a", "retry-me")

    with unchanged():
        retry = retry_it()

    assert (retry.status_code, retry.json()) == (first.status_code, first.json())


def check_the_same_key_for_another_request_answers_409_and_changes_nothing(world, operation):
    first = send(world, operation, 0, "a", "one-key")
    assert first.status_code == operation.status, first.content
    another_request = prepared(world, operation, 0, "a", "one-key", variant=1)

    with unchanged():
        other = another_request()

    assert_problem(other, 409, "Idempotency-Key")


def check_the_same_key_from_another_person_is_a_request_of_its_own(world, operation):
    first = send(world, operation, 0, "a", "shared-key")
    records = IdempotencyRecord.objects.count()

    theirs = send(world, operation, 0, "b", "shared-key")

    assert (first.status_code, theirs.status_code) == (operation.status, operation.status), theirs.content
    assert theirs.json() != first.json()
    assert IdempotencyRecord.objects.count() > records


def check_the_same_key_in_another_programme_is_a_request_of_its_own(world, operation):
    first = send(world, operation, 0, "a", "shared-key")

    elsewhere = send(world, operation, 1, "a", "shared-key")

    assert (first.status_code, elsewhere.status_code) == (operation.status, operation.status), elsewhere.content
    assert elsewhere.json() != first.json()
