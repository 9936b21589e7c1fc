from celery import shared_task

from impact.building import statement_build


@shared_task
def build_statement(request_id: int) -> int | None:
    """Build the statement a person asked for. Safe to run twice: a request already
    built is left as it is, and the same figures always find the one stored document."""
    statement = statement_build(request_id=request_id)
    return statement.pk if statement is not None else None
