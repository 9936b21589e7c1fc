"""Helpers shared by the API tests: JSON calls and the problem+json check."""

import datetime as dt
import json

from django.test import Client

from timebank.core.models import ConsentPurpose
from timebank.core.services.training import background_check_add, training_record_add
from timebank.core.services.volunteers import consent_give

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
