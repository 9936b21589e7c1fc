"""Small display filters for the page templates."""

import uuid

from django import template
from django.utils.html import format_html

from ledger.errors import format_minutes
from timebank.accounts.models import MembershipStatus, Role
from timebank.common.durations import duration_text
from timebank.common.forms import language_label

register = template.Library()


@register.filter
def role_label(code: str) -> str:
    """'mentor' -> 'Mentor', in the active language."""
    return Role(code).label if code in Role.values else code


@register.filter
def status_label(code: str) -> str:
    return MembershipStatus(code).label if code in MembershipStatus.values else code


@register.filter
def language_name(code: str) -> str:
    return language_label(code)


@register.filter
def credits(minutes) -> str:
    """Minutes of credit as people read them: '1.5 credits'."""
    return format_minutes(int(minutes or 0))


@register.filter
def signed_credits(minutes) -> str:
    minutes = int(minutes or 0)
    return ("+" if minutes > 0 else "−" if minutes < 0 else "") + format_minutes(abs(minutes))


@register.filter
def duration(minutes) -> str:
    """Minutes of time given as people read them: '2 h 30 min'."""
    return duration_text(int(minutes or 0))


@register.simple_tag
def request_key() -> str:
    """A hidden `request_key` for a form whose submission moves something: a double click or
    a resent form carries the same key, and the service answers it once (the idempotency records)."""
    return format_html('<input type="hidden" name="request_key" value="{}">', uuid.uuid4().hex)
