"""Per-user API tokens for scripts. The secret is shown once; only its hash is kept."""

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.accounts.models import ApiToken, User
from timebank.accounts.services.audit import audit_record

TOKEN_PREFIX = "tb_"  # noqa: S105 - a public marker, not a secret
LAST_USED_EVERY = dt.timedelta(minutes=1)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor. Returns the token and its secret, which is not stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": [_("Name the token (100 characters at most) so you can recognise it.")]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, prefix=secret[:8], key_hash=token_hash(secret))
    audit_record(actor=actor, action="token.create", target=token, changes={"name": name})
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.id:
        raise PermissionDenied(_("You may only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoke", target=token)
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user a token belongs to, or None. Marks the token used."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(secret), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    # At most once a minute: a write on every read would take SQLite's write lock for each
    # API call, and "last used" means the day, not the second. The filter makes two
    # requests at once write it once.
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
    return token.user
