import datetime as dt

from celery import shared_task

from timebank.accounts.services.idempotency import idempotency_records_purge


@shared_task
def purge_idempotency_records(now: str | None = None) -> int:
    """Beat task: forget retried requests older than IDEMPOTENCY_KEEP_DAYS. Safe to run twice."""
    return idempotency_records_purge(now=dt.datetime.fromisoformat(now) if now else None)
