"""API for impact statements: ask for one, poll it, download it, list past ones. Funders
only of the programmes they fund, coordinators of theirs; one problem+json error shape."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from impact import selectors, services
from impact.models import RequestStatus, StatementRequest
from impact.views import DOWNLOADS, download_response
from timebank.accounts.selectors.programmes import programme_get
from timebank.common.api import IDEMPOTENCY_KEY
from timebank.problems import READ_ERRORS, WRITE_ERRORS, Problem

router = Router(tags=["impact"])


class StatementIn(Schema):
    programmes: list[str] = Field(
        default_factory=list, description="Programme slugs; empty for every programme you fund"
    )
    start: dt.date
    end: dt.date
    include_demographics: bool = False


class StatementOut(Schema):
    id: int
    status: str
    progress: int
    stage: str
    error: str
    programmes: list[str]
    start: dt.date
    end: dt.date
    include_demographics: bool
    requested_at: dt.datetime
    finished_at: dt.datetime | None
    checksum: str | None
    downloads: dict[str, str]

    @staticmethod
    def resolve_programmes(obj: StatementRequest) -> list[str]:
        return sorted(p.slug for p in obj.programmes.all())

    @staticmethod
    def resolve_checksum(obj: StatementRequest) -> str | None:
        return obj.statement.checksum if obj.statement_id else None

    @staticmethod
    def resolve_downloads(obj: StatementRequest) -> dict[str, str]:
        if obj.status != RequestStatus.READY:
            return {}
        return {kind: f"/api/v1/impact/statements/{obj.pk}/download/{kind}" for kind in DOWNLOADS}


@router.post("/impact/statements", response={202: StatementOut, 429: Problem, **WRITE_ERRORS}, summary="Ask for one")
def statement_ask(request, payload: StatementIn, idempotency_key: str | None = IDEMPOTENCY_KEY):
    """Queues the build and answers 202 at once; poll the statement until its status is
    `ready` (or `failed`). 429, with Retry-After, past the hourly limit. A retry with the same
    Idempotency-Key answers with the first request (202), and never counts towards the limit."""
    reportable = {p.slug: p for p in selectors.reportable_programmes(request.auth)}
    if payload.programmes:
        # A programme the caller holds no role in is not found (404); one they volunteer
        # or work a till in is refused (403 from the service): the rule everywhere else.
        programmes = [reportable.get(slug) or programme_get(request.auth, slug) for slug in payload.programmes]
    else:
        programmes = list(selectors.funded_programmes(request.auth))
    try:
        asked = services.statement_request(
            actor=request.auth,
            programmes=programmes,
            start=payload.start,
            end=payload.end,
            include_demographics=payload.include_demographics,
            idempotency_key=idempotency_key,
        )
    except services.RateLimited as exc:
        error = HttpError(429, exc.message)
        error.wait = exc.wait
        raise error from exc
    return Status(202, selectors.statement_request_get(request.auth, asked.pk))


@router.get("/impact/statements", response={200: list[StatementOut], **READ_ERRORS}, summary="Your statements")
def statement_list(request):
    return list(selectors.statement_requests_for(request.auth)[:100])


@router.get("/impact/statements/{statement_id}", response={200: StatementOut, **READ_ERRORS}, summary="One statement")
def statement_status(request, statement_id: int):
    return selectors.statement_request_get(request.auth, statement_id)


@router.get(
    "/impact/statements/{statement_id}/download/{kind}",
    response={200: None, 409: Problem, **READ_ERRORS},
    summary="Download it (pdf, csv or json)",
)
def statement_download(request, statement_id: int, kind: str):
    asked = selectors.statement_request_get(request.auth, statement_id)
    if kind not in DOWNLOADS:
        raise ValidationError({"kind": _("Choose pdf, csv or json.")})
    if asked.status != RequestStatus.READY:
        raise HttpError(409, _("The statement is not ready yet (%(status)s).") % {"status": asked.status})
    return download_response(asked.statement, kind)
