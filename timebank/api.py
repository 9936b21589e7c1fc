"""The project API, mounted at /api/v1/.

Every app adds one router. This module owns what is common to all of them:
authentication (a signed-in session, or an `Authorization: Bearer <token>`
header for scripts) and turning every error into the one problem+json shape of
timebank.problems: the app's own refusals (PermissionDenied, ValidationError,
DoesNotExist), invalid requests, unknown paths and methods, and crashes.
"""

import functools
import json
import logging
import re

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from ledger.errors import IdempotencyConflict
from timebank.accounts.services.tokens import api_token_authenticate
from timebank.problems import PROBLEM_CONTENT_TYPE, problem

logger = logging.getLogger("django.request")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer tb_...` with a per-user API token."""

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(token.strip())
        if user is None:
            # A wrong or revoked token is refused outright rather than falling back to
            # the session, so a script never runs as whoever happens to be signed in.
            raise AuthenticationError(message=_("The API token is not valid or was revoked."))
        return user


class SessionAuth(NinjaSessionAuth):
    """The signed-in session of the web pages, with Django's CSRF check on unsafe methods.

    The check runs only for a signed-in session: a request without one cannot
    be forged on anybody's behalf, and deserves a 401 rather than a CSRF 403.
    """

    def _get_key(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


class MalformedBody(ValueError):
    pass


# Deeper than any body of this API: a client that sends more wants the parser, not the API.
MAX_BODY_DEPTH = 32
# Ids and amounts are 64-bit in both databases: a larger number is refused before it reaches one.
LARGEST_NUMBER = 2**63 - 1


class JsonParser(Parser):
    """Every request body of this API is one JSON object, at most MAX_BODY_DEPTH deep; no
    text in it or in the query string holds a NUL character (PostgreSQL cannot store one,
    and no field needs it), and no number in either is beyond 64 bits, whatever the operation."""

    def parse_body(self, request: HttpRequest):
        try:
            data = json.loads(request.body)
        except RecursionError:
            raise MalformedBody(_("The request body nests too deeply.")) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedBody(_("The request body is not valid JSON: %(error)s.") % {"error": exc}) from exc
        if not isinstance(data, dict):
            raise MalformedBody(_("The request body must be a JSON object."))
        _refuse_what_cannot_be_stored(data, ("body", "payload"))
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest):
        parsed = super().parse_querydict(data, list_fields, request)
        _refuse_what_cannot_be_stored(parsed, ("query",))
        return parsed


def _refuse_what_cannot_be_stored(data, location: tuple) -> None:
    """Raises ninja's ValidationError naming every field whose text holds a NUL character or
    whose number (in the query: a string of digits) does not fit 64 bits."""
    errors = []
    pending = [(data, (), 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_BODY_DEPTH:
            raise MalformedBody(_("The request body nests too deeply."))
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            if isinstance(key, str) and "\x00" in key:
                errors.append({"loc": (*location, *path), "msg": _("Names cannot hold a NUL character.")})
            if isinstance(item, str):
                if "\x00" in item:
                    errors.append({"loc": (*location, *path, key), "msg": _("Text cannot hold a NUL character.")})
                elif location == ("query",) and _DIGITS.match(item) and abs(int(item)) > LARGEST_NUMBER:
                    errors.append({"loc": (*location, *path, key), "msg": _too_large()})
            elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > LARGEST_NUMBER:
                errors.append({"loc": (*location, *path, key), "msg": _too_large()})
            else:
                pending.append((item, (*path, key), depth + 1))
    if errors:
        raise NinjaValidationError(errors)


_DIGITS = re.compile(r"^[+-]?\d{1,400}$")


def _too_large() -> str:
    return _("Give a number of at most %(largest)s.") % {"largest": LARGEST_NUMBER}


class TimebankAPI(NinjaAPI):
    """A NinjaAPI whose every answer outside a successful operation is a problem too:
    unknown paths under /api/v1/, methods a path does not allow, and the error
    responses listed in the OpenAPI document."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _plain_errors_as_problems(pattern.callback)
        patterns.append(re_path(r"", _not_found, name="not-found"))
        return patterns, app_name, namespace

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(code) >= 400 and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema


# Exempt from the CSRF check: it changes nothing, and a script's POST to a mistyped address
# deserves the API's 404 problem, not Django's CSRF page.
@csrf_exempt
def _not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return problem(404, _("There is nothing at this address."))


def _plain_errors_as_problems(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _not_found(request)
        if isinstance(response, HttpResponseNotAllowed):
            return problem(
                405,
                _("This address does not accept %(method)s.") % {"method": request.method},
                headers={"Allow": response["Allow"]},
            )
        return response

    return wrapped


api = TimebankAPI(
    title="Timebank API",
    version="1",
    description=(
        "Programmes, volunteers, training, background checks and qualification status. "
        "Authenticate with the signed-in session of the web pages (unsafe methods need the CSRF token) "
        "or with `Authorization: Bearer <token>`, a per-user API token created on the web pages. "
        "Every error is an RFC 7807 problem (application/problem+json); lists take `limit` and `offset` "
        "and return the total `count`."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    parser=JsonParser(),
)


@api.exception_handler(NinjaValidationError)
def _request_invalid(request, exc: NinjaValidationError):
    errors = [{"field": _field_path(error.get("loc", ())), "message": error.get("msg", "")} for error in exc.errors]
    return problem(422, _("The request has invalid fields."), errors)


def _field_path(loc) -> str | None:
    """('body', 'payload', 'availability', 0, 'starts_at') -> 'availability.0.starts_at'.

    The first item is where the value came from (body, query, path); a body
    schema adds the operation's parameter name, which means nothing to a client.
    """
    parts = [str(part) for part in loc[1:]]
    if loc and loc[0] == "body" and parts:
        parts = parts[1:]
    return ".".join(parts) or (str(loc[0]) if loc else None)


@api.exception_handler(DjangoValidationError)
def _service_refused_input(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": None if field == "__all__" else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": None, "message": message} for message in exc.messages]
    return problem(422, _("The request has invalid fields."), errors)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, NinjaValidationError):
        return _request_invalid(request, exc.__cause__)
    if isinstance(exc.__cause__, MalformedBody):
        return problem(422, _("The request body is not a JSON object."), [{"field": "body", "message": exc.__cause__}])
    if exc.status_code == 401:
        return problem(
            401,
            exc.message if exc.message != "Unauthorized" else _("Sign in, or send an API token."),
            headers={"WWW-Authenticate": 'Bearer realm="timebank"'},
        )
    if exc.status_code == 403 and "CSRF" in exc.message:
        return problem(403, _("The CSRF token is missing or wrong; send the X-CSRFToken header."))
    headers = {}
    if exc.status_code == 429 and getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait) + 1)
    return problem(exc.status_code, exc.message, headers=headers)


@api.exception_handler(PermissionDenied)
def _refused(request, exc: PermissionDenied):
    return problem(403, str(exc) or _("You may not do this."))


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request, exc):
    # The same answer whether the record does not exist or the caller may not see it.
    return problem(404, _("Not found, or not yours to see."))


@api.exception_handler(Http404)
def _http_404(request, exc):
    return problem(404, _("Not found, or not yours to see."))


@api.exception_handler(IdempotencyConflict)
def _idempotency_conflict(request, exc: IdempotencyConflict):
    return problem(
        409,
        _("This Idempotency-Key was already used for a different request; send a new key for a new request."),
        [{"field": "Idempotency-Key", "message": str(exc)}],
    )


@api.exception_handler(RequestDataTooBig)
def _body_too_large(request, exc):
    message = _("The request body is larger than %(size)s bytes.") % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    return problem(413, message, [{"field": "body", "message": message}])


@api.exception_handler(IntegrityError)
def _conflict(request, exc):
    # Services validate first; this is the rare race where two requests both passed validation.
    logger.warning("API write refused by a database constraint: %s", exc)
    return problem(409, _("The change conflicts with another one made at the same time; try again."))


@api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.error(
        "Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500, "request": request}
    )
    return problem(500, _("Something went wrong on our side. The error has been logged."))


api.add_router("", "timebank.accounts.api.router")
api.add_router("", "timebank.volunteers.api.router")
api.add_router("", "timebank.training.api.router")
api.add_router("", "timebank.spending.api_credits.router")
api.add_router("", "timebank.earning.api.router")
api.add_router("", "timebank.spending.api.router")
api.add_router("", "matching.api.router")
api.add_router("", "mentoring.api.router")
api.add_router("", "impact.api.router")
