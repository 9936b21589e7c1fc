"""The names other apps may hold of the ledger: the kinds of account and transaction,
and the two row types its services return and its selectors take.

They are defined in `ledger.models`, where the database needs them; other apps
import them from here, so that `ledger.models` stays the ledger's own business
(an import-linter contract in pyproject.toml refuses a direct import of it from
any other app). Holding an `Account` or a `Transaction` is fine; querying them is
not: a read another app needs is a function in `ledger.selectors`, a write one in
`ledger.services`.
"""

from ledger.models import Account, AccountKind, Transaction, TransactionKind

__all__ = ["Account", "AccountKind", "Transaction", "TransactionKind"]
