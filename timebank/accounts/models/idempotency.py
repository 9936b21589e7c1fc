from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """One request a client may retry: who asked, in which programme, for which operation,
    under which key, what the request said (its fingerprint) and what it produced.

    The record is written in the same transaction as the change it guards, so it exists
    exactly when the change committed. A key belongs to the person (and the programme)
    that sent it: the same key from anyone else, or in another programme, is another
    request. Records are purged after IDEMPOTENCY_KEEP_DAYS; the ledger's own transaction
    key still refuses to pay twice after that.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    programme = models.ForeignKey(
        "accounts.Programme", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    operation = models.CharField(max_length=64)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    result_type = models.CharField(max_length=100, blank=True)
    result_id = models.BigIntegerField(null=True, blank=True)
    result_data = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "operation", "key"],
                condition=models.Q(programme__isnull=True),
                name="idempotency_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["actor", "programme", "operation", "key"],
                condition=models.Q(programme__isnull=False),
                name="idempotency_once_per_person_and_programme",
            ),
            models.CheckConstraint(condition=~models.Q(key=""), name="idempotency_key_not_empty"),
            models.CheckConstraint(condition=~models.Q(fingerprint=""), name="idempotency_fingerprint_not_empty"),
        ]

    def __str__(self):
        return f"{self.operation} {self.key!r} by {self.actor_id}"
