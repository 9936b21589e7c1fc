"""What every API router shares: the one Idempotency-Key header of retryable writes."""

from ninja import Header

IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    description=(
        "Send a new key with each new request and the same key when you retry it: a retry returns "
        "the first result with the same status; the same key with another request answers 409. "
        "A key is yours alone, and belongs to the programme it was used in."
    ),
)
