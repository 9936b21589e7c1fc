"""Helpers shared by the API tests: JSON calls, the problem+json check, and what every
API permission matrix uses to say and check which persona gets which answer."""

import datetime as dt
import json

from django.test import Client

from tests.assertions import unchanged
from tests.conftest import PERSONAS
from timebank.accounts.models import AuditEntry
from timebank.training.services.records import background_check_add, training_record_add
from timebank.volunteers.models import ConsentPurpose
from timebank.volunteers.services.profiles import consent_give

API = "/api/v1"


def call(client: Client, method: str, path: str, body=None, *, raw: str | None = None, **headers):
    """A JSON request to the API; `raw` sends the body as it is (malformed JSON)."""
    if method == "get":
        return client.get(API + path, body or {}, **headers)
    data = raw if raw is not None else json.dumps(body if body is not None else {})
    return getattr(client, method)(API + path, data, content_type="application/json", **headers)


def assert_problem(response, status: int, *fields: str) -> dict:
    """The response is an RFC 7807 problem with this status whose errors name at least these fields."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert set(problem) == {"type", "title", "status", "detail", "errors"}
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    assert problem["title"] and problem["detail"]
    named = {error["field"] for error in problem["errors"]}
    assert set(fields) <= named, f"expected errors on {fields}, got {problem['errors']}"
    assert all(error["message"] for error in problem["errors"])
    return problem


def fill(template, ids: dict):
    """Put a world's ids into a path or body template: a string that is one placeholder
    ("{swim}") becomes the id itself, so a JSON body carries a number; other strings are
    formatted; dicts and lists are filled item by item."""
    if isinstance(template, str):
        if template.startswith("{") and template.endswith("}") and template[1:-1] in ids:
            return ids[template[1:-1]]
        return template.format(**ids)
    if isinstance(template, dict):
        return {key: fill(item, ids) for key, item in template.items()}
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    return template


# Groups of PERSONAS, as the tenants' programme sees them.
ROLE_HOLDERS = ("admin", "coordinator", "volunteer", "mentor", "partner", "funder")
SIGNED_IN = (*ROLE_HOLDERS, "other_programme_coordinator", "outsider")
NON_COORDINATING_ROLES = ("volunteer", "mentor", "partner", "funder")


def expect(ok: int, *, allowed=(), forbidden=(), invalid=(), everyone_else=404) -> dict[str, int]:
    """The status each persona gets: `ok` when allowed, 403, 422, else `everyone_else`; 401 anonymous."""
    expected = dict.fromkeys(PERSONAS, everyone_else)
    expected.update(dict.fromkeys(allowed, ok))
    expected.update(dict.fromkeys(forbidden, 403))
    expected.update(dict.fromkeys(invalid, 422))
    expected["anonymous"] = 401
    return expected


def assert_permission(client: Client, method: str, path: str, body, status: int, *, writes: bool = True):
    """One cell of an API permission matrix: the call answers `status`. A refusal is a
    problem with that status and, like every GET, changes no row of the core and ledger
    apps (the audit log included); an allowed call of another method writes its audit
    entry, unless `writes=False` says that it only answers. Returns the response."""
    changes = status < 400 and method != "get" and writes
    audit_before = AuditEntry.objects.count()
    if changes:
        response = call(client, method, path, body)
    else:
        with unchanged():
            response = call(client, method, path, body)
    if status >= 400:
        assert_problem(response, status)
    else:
        assert response.status_code == status, response.content
    if changes:
        assert AuditEntry.objects.count() > audit_before
    return response


def volunteer_records(coordinator, volunteer, catalogue) -> dict:
    """An unverified first-aid record, an unverified DBS check and a standing e-mail consent of `volunteer`."""
    record = training_record_add(
        actor=coordinator, volunteer=volunteer, course=catalogue["first_aid"], completed_on=dt.date(2024, 3, 1)
    )
    check = background_check_add(
        actor=coordinator, volunteer=volunteer, check_type=catalogue["dbs"], issued_on=dt.date(2024, 3, 1)
    )
    consent = consent_give(actor=coordinator, volunteer=volunteer, purpose=ConsentPurpose.CONTACT_EMAIL)
    return {"record": record, "check": check, "consent": consent}
