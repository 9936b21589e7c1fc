"""Building an impact statement: run by the build task, safe to run twice, even at once."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from impact.documents import checksum_of, figures_csv, figures_json, statement_pdf
from impact.figures import statement_figures
from impact.models import (
    ImpactStatement,
    RequestStatus,
    StatementRequest,
)

logger = logging.getLogger(__name__)


def _progress(request_id: int, **fields) -> None:
    # Its own short transaction, so the waiting page sees it while the build goes on.
    StatementRequest.objects.filter(pk=request_id).update(**fields)


def statement_build(*, request_id: int) -> ImpactStatement | None:
    """Build what the request asked for, or find the stored statement of the same figures.

    Safe to run twice, even at once: a request already built is returned as it is, and the
    figures' checksum is unique, so two builds of the same figures store one document.
    A failure is recorded on the request (the person sees it) and logged, not raised."""
    with transaction.atomic():
        request = StatementRequest.objects.select_for_update(no_key=True).filter(pk=request_id).first()
        if request is None:
            return None
        if request.status == RequestStatus.READY:
            return request.statement
        request.status, request.progress, request.stage = RequestStatus.BUILDING, 10, "Computing the figures"
        request.save(update_fields=["status", "progress", "stage"])
    try:
        programmes = list(request.programmes.select_related("organisation"))
        figures = statement_figures(
            programmes,
            start=request.start,
            end=request.end,
            prepared_for=request.prepared_for,
            include_demographics=request.include_demographics,
        )
        text = figures_json(figures)
        checksum = checksum_of(text)
        statement = ImpactStatement.objects.filter(checksum=checksum).first()
        if statement is None:
            _progress(request_id, progress=40, stage="Drawing the PDF")
            built_on = timezone.localdate()
            pdf = statement_pdf(figures, checksum=checksum, built_on=built_on)
            _progress(request_id, progress=90, stage="Storing the documents")
            statement = _store(checksum, text, figures_csv(figures), pdf, request, programmes)
    except Exception as exc:
        logger.exception("impact statement %s failed", request_id)
        _progress(
            request_id,
            status=RequestStatus.FAILED,
            stage="",
            error=f"The statement could not be built ({exc.__class__.__name__}).",
            finished_at=timezone.now(),
        )
        return None
    with transaction.atomic():
        StatementRequest.objects.filter(pk=request_id).update(
            status=RequestStatus.READY, progress=100, stage="", statement=statement, finished_at=timezone.now()
        )
    return statement


def _store(checksum, text, csv_text, pdf, request, programmes) -> ImpactStatement:
    try:
        with transaction.atomic():
            statement = ImpactStatement.objects.create(
                checksum=checksum,
                start=request.start,
                end=request.end,
                figures_json=text,
                csv=csv_text,
                pdf=pdf,
            )
            statement.programmes.set(programmes)
    except IntegrityError:
        # Another build of the same figures stored it first: use theirs.
        statement = ImpactStatement.objects.get(checksum=checksum)
    return statement
