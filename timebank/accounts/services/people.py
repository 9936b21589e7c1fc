"""The sign-in accounts and memberships of the people a programme registers (volunteers,
mentors): the rows of this app that other apps' services create and change go through here.

The building blocks below serve a service that has already checked who may act and
validated its input (volunteers.services.profiles registers and edits volunteers): they
write what they are given, in the caller's transaction, and leave the audit entry to the
caller, which records the whole change it made. `membership_status_change` is a service
in its own right.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.accounts.models import Membership, MembershipStatus, Programme, User
from timebank.accounts.permissions import require_coordinator
from timebank.accounts.services.audit import audit_record


def _name_parts(full_name: str) -> tuple[str, str]:
    parts = full_name.split(" ")
    return parts[0][:150], " ".join(parts[1:])[:150]


def person_account_open(*, username: str, email: str, full_name: str, password: str | None) -> User:
    """The person's account; without a password it cannot sign in (the coordinator acts for
    them). A clash the caller's checks missed (another registration of the same e-mail or
    username committed meanwhile) is bad input (ValidationError), not a crash."""
    first_name, last_name = _name_parts(full_name)
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        if email and "email" in str(exc).lower():
            raise ValidationError({"email": [_("Another person already uses this e-mail address.")]}) from None
        raise ValidationError({"username": [_("Choose another username; this one is taken or empty.")]}) from None
    return user


def person_username_offer(user: User, username: str) -> bool:
    """Give the account this username unless another account holds it; returns whether it did."""
    if User.objects.filter(username__iexact=username).exists():
        return False
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(username=username)
    except IntegrityError:
        # Someone took the name since we looked: the account keeps the one it has.
        return False
    user.username = username
    return True


def person_email_set(user: User, email: str) -> None:
    user.email = email
    user.save(update_fields=["email"])


def person_name_set(user: User, full_name: str) -> None:
    user.first_name, user.last_name = _name_parts(full_name)
    user.save(update_fields=["first_name", "last_name"])


def membership_open(*, user: User, programme: Programme, role: str, status: str) -> Membership:
    return Membership.objects.create(
        user=user, programme=programme, role=role, status=status, status_since=timezone.localdate()
    )


@transaction.atomic
def membership_status_change(
    *, actor: User, membership: Membership, status: str, on: dt.date | None = None, reason: str = ""
) -> Membership:
    """Move a volunteer between applicant, active, paused and left in one programme."""
    require_coordinator(actor, membership.programme)
    if status not in MembershipStatus.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": [_("The date cannot be in the future.")]})
    membership = Membership.objects.select_for_update(no_key=True).get(pk=membership.pk)
    if membership.status == status:
        return membership
    before = membership.status
    membership.status, membership.status_since = status, on
    membership.save(update_fields=["status", "status_since"])
    audit_record(
        actor=actor,
        action="membership.status",
        target=membership,
        programme=membership.programme,
        reason=reason,
        changes={"status": [before, status], "since": on},
    )
    return membership
