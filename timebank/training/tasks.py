import datetime as dt

from celery import shared_task

from timebank.training.services.reminders import qualification_reminders_send


@shared_task
def send_qualification_reminders(today: str | None = None) -> int:
    """Beat task: warn before qualifications lapse. Safe to run twice."""
    return qualification_reminders_send(today=dt.date.fromisoformat(today) if today else None)
