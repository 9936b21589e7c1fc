"""Beat tasks of the spending flow. Registered with Celery by the import at the end of
timebank/core/tasks.py (autodiscovery looks only in `tasks` modules)."""

import datetime as dt

from celery import shared_task

from timebank.core.services.redeem import vouchers_expire


@shared_task
def expire_vouchers(now: str | None = None) -> int:
    """Beat task: give back the credits held by vouchers past their expiry. Safe to run twice:
    an expired voucher is no longer issued, so the next run leaves it alone."""
    return vouchers_expire(now=dt.datetime.fromisoformat(now) if now else None)
