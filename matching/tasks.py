from celery import shared_task

from matching.batch import batch_run_execute


@shared_task
def run_batch(run_id: int) -> int:
    """Run a queued batch assignment. Safe to run twice: a run already started is left alone."""
    return batch_run_execute(run_id).places_filled
