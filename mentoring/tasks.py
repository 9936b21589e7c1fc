from celery import shared_task

from mentoring.alerts import mentorship_alerts_raise


@shared_task
def raise_mentorship_alerts() -> int:
    """Beat task: flag quiet and overdue mentorships, once per occasion. Safe to run twice."""
    return len(mentorship_alerts_raise())
