"""What every API router shares: the one Idempotency-Key header of retryable writes, and paging."""

from django.conf import settings as django_settings
from ninja import Field, Header, Schema
from ninja.pagination import LimitOffsetPagination

IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    description=(
        "Send a new key with each new request and the same key when you retry it: a retry returns "
        "the first result with the same status; the same key with another request answers 409. "
        "A key is yours alone, and belongs to the programme it was used in."
    ),
)


# The furthest a list may be paged: more rows than a programme will ever hold.
MAX_OFFSET = 2**31 - 1


class Pagination(LimitOffsetPagination):
    """`limit` and `offset`, both bounded: an offset past any list a programme can hold is
    refused with 422 (PostgreSQL would fail on one that does not fit a bigint)."""

    class Input(Schema):
        limit: int = Field(
            django_settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=django_settings.NINJA_PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
