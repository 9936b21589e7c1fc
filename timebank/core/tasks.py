import datetime as dt

from celery import shared_task

from timebank.core.services.reminders import qualification_reminders_send


@shared_task
def send_qualification_reminders(today: str | None = None) -> int:
    """Beat task: warn before qualifications lapse. Safe to run twice."""
    return qualification_reminders_send(today=dt.date.fromisoformat(today) if today else None)


from timebank.core import tasks_ledger  # noqa: E402, F401 - so Celery's autodiscovery registers the ledger tasks
from timebank.core.tasks_spending import expire_vouchers  # noqa: E402, F401 - registers the spending beat task
