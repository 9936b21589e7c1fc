"""A double-entry ledger of time credits, in integer minutes (60 minutes = 1 credit).

The ledger knows nothing of the apps that use it: an account belongs to a
*scope* (the id of a programme) and, for personal accounts, a *holder* (the id of
a volunteer profile or a partner venue). Callers map their records to accounts
through `ledger.services.account_get`.

Rules the database itself enforces:
- a posting is never zero; postings are never updated (and, on PostgreSQL,
  never deleted); a transaction's postings sum to zero (PostgreSQL, deferred);
- an idempotency key is used once; a transaction is reversed at most once;
- the cached balance of a volunteer, partner or held account never goes below zero.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    ISSUER = "issuer", _("Programme issuer")
    VOLUNTEER = "volunteer", _("Volunteer")
    PARTNER = "partner", _("Partner venue")
    COMMUNITY_FUND = "community_fund", _("Community fund")
    EXPIRED = "expired", _("Expired credits")
    HELD = "held", _("Credits held for vouchers")


# Only the issuer may go below zero: it goes negative by what it has issued.
NON_NEGATIVE_KINDS = (
    AccountKind.VOLUNTEER,
    AccountKind.PARTNER,
    AccountKind.COMMUNITY_FUND,
    AccountKind.EXPIRED,
    AccountKind.HELD,
)
# Accounts of which a scope has exactly one.
SCOPE_KINDS = (AccountKind.ISSUER, AccountKind.COMMUNITY_FUND, AccountKind.EXPIRED, AccountKind.HELD)


class Account(models.Model):
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    scope_id = models.BigIntegerField(help_text="The programme this account belongs to.")
    holder_id = models.BigIntegerField(null=True, blank=True, help_text="The volunteer or partner, if personal.")
    name = models.CharField(max_length=200, blank=True)
    # Kept equal to the sum of the account's postings, in the same database
    # transaction and under the account's row lock; ledger_verify checks it.
    balance = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=AccountKind.values), name="ledger_account_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(kind=AccountKind.ISSUER) | models.Q(balance__gte=0),
                name="ledger_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=SCOPE_KINDS, holder_id__isnull=True)
                | (~models.Q(kind__in=SCOPE_KINDS) & models.Q(holder_id__isnull=False)),
                name="ledger_account_holder_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "scope_id"],
                condition=models.Q(holder_id__isnull=True),
                name="ledger_one_scope_account_per_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "scope_id", "holder_id"],
                condition=models.Q(holder_id__isnull=False),
                name="ledger_one_personal_account",
            ),
        ]

    def __str__(self):
        return self.name or f"{self.get_kind_display()} #{self.pk}"


class TransactionKind(models.TextChoices):
    EARN = "earn", _("Earned")
    REDEEM = "redeem", _("Redeemed")
    GIFT = "gift", _("Gift")
    EXPIRE = "expire", _("Expired")
    REVERSE = "reverse", _("Reversal")
    ADJUST = "adjust", _("Adjustment")


class Transaction(models.Model):
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    scope_id = models.BigIntegerField()
    memo = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When the credits were earned or spent, as the people involved see it (a claim's date).
    occurred_on = models.DateField()
    idempotency_key = models.CharField(max_length=200, unique=True)
    # A hash of what the request asked for: the same key with another request is refused.
    request_hash = models.CharField(max_length=64)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["scope_id", "occurred_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=TransactionKind.values), name="ledger_txn_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(reverses__isnull=True) | models.Q(kind=TransactionKind.REVERSE),
                name="ledger_only_reversals_reverse",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=TransactionKind.REVERSE) | ~models.Q(reason=""),
                name="ledger_reversal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class Posting(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField(help_text="Minutes; positive credits the account, negative debits it.")
    # The account's balance just after this posting: statements read it instead of
    # summing history, and ledger_verify checks it.
    balance_after = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "id"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_posting_not_zero"),
        ]

    def __str__(self):
        return f"{self.amount:+d} min on {self.account_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Postings are never updated; post a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Postings are never deleted; post a reversal instead.")
