"""Beat tasks of spending: credits expire, and vouchers past their expiry give their credits back."""

import dataclasses
import datetime as dt

from celery import shared_task

from timebank.spending.services.expiry import credits_expire
from timebank.spending.services.redeem import vouchers_expire


@shared_task
def expire_credits(today: str | None = None) -> dict:
    """Beat task: expire credits per each programme's policy and warn 30 days before.
    Safe to run twice: the second run on a day changes nothing."""
    return dataclasses.asdict(credits_expire(today=dt.date.fromisoformat(today) if today else None))


@shared_task
def expire_vouchers(now: str | None = None) -> int:
    """Beat task: give back the credits held by vouchers past their expiry. Safe to run twice:
    an expired voucher is no longer issued, so the next run leaves it alone."""
    return vouchers_expire(now=dt.datetime.fromisoformat(now) if now else None)
