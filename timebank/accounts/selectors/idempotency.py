"""Reads of the idempotency records, for an app that finds what a person's keyed request made."""

from django.db.models import Model, QuerySet

from timebank.accounts.models import IdempotencyRecord, Programme, User


def idempotent_result_ids(
    user: User, *, operation: str, key: str, model: type[Model], programme: Programme | None = None
) -> QuerySet:
    """The ids of the `model` rows this person's requests with `key` made (in `programme`, when
    given), as a subquery: another person's key, or theirs in another programme, finds nothing."""
    records = IdempotencyRecord.objects.filter(
        actor=user, operation=operation, key=(key or "").strip(), result_type=model._meta.label_lower
    )
    if programme is not None:
        records = records.filter(programme=programme)
    return records.values("result_id")
