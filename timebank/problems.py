"""The one error shape of the API: RFC 7807 problem+json.

    {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
     "detail": "...", "errors": [{"field": "completed_on", "message": "..."}]}

`errors` names each bad field (a dotted path for nested input; null when a
message concerns the request as a whole) and is empty for errors that are not
about the input. This module depends on nothing in the apps, so every app's
router can declare its error responses with it.
"""

import http
import json

from django.http import HttpResponse
from ninja import Schema

PROBLEM_CONTENT_TYPE = "application/problem+json"


class FieldError(Schema):
    field: str | None
    message: str


class Problem(Schema):
    """An RFC 7807 problem; `errors` lists each bad field of the input."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


def problem(status: int, detail: str, errors: list[dict] | None = None, headers: dict | None = None) -> HttpResponse:
    body = {
        "type": "about:blank",
        # With type about:blank, RFC 7807 wants the title to be the status phrase.
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
        "errors": [{"field": e["field"], "message": str(e["message"])} for e in errors or []],
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# Error responses declared on operations, for the OpenAPI document.
READ_ERRORS = {401: Problem, 404: Problem, 422: Problem}
WRITE_ERRORS = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
