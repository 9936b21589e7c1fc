import dataclasses
import datetime as dt

from celery import shared_task

from timebank.core.services.expiry import credits_expire


@shared_task
def expire_credits(today: str | None = None) -> dict:
    """Beat task: expire credits per each programme's policy and warn 30 days before.
    Safe to run twice: the second run on a day changes nothing."""
    return dataclasses.asdict(credits_expire(today=dt.date.fromisoformat(today) if today else None))
