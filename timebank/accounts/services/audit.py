from django.db import models

from timebank.accounts.models import AuditEntry, Programme, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    programme: Programme | None = None,
    reason: str = "",
    changes: dict | None = None,
) -> AuditEntry:
    """Write one audit row. Call it inside the service's transaction, so the
    row exists exactly when the change does."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        programme=programme,
        reason=reason,
        changes=_jsonable(changes or {}),
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def audit_records(entries: list[dict]) -> list[AuditEntry]:
    """Write many audit rows in one statement, for bulk operations. Each entry holds the
    keyword arguments of audit_record; call it inside the service's transaction too."""
    rows = [
        AuditEntry(
            actor=entry["actor"] if entry.get("actor") is not None and entry["actor"].is_authenticated else None,
            action=entry["action"],
            target_type=entry["target"]._meta.label_lower,
            target_id=entry["target"].pk,
            programme=entry.get("programme"),
            reason=entry.get("reason", ""),
            changes=_jsonable(entry.get("changes") or {}),
        )
        for entry in entries
    ]
    return AuditEntry.objects.bulk_create(rows)
