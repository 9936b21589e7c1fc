"""Organisations, programmes, accounts and the roles people hold in programmes."""

from decimal import Decimal, InvalidOperation

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from djmoney.money import Money

from timebank.accounts.models import (
    CreditExpiryPolicy,
    Membership,
    MembershipStatus,
    Organisation,
    Programme,
    Role,
    User,
)
from timebank.accounts.permissions import is_admin, require_coordinator
from timebank.accounts.services.audit import audit_record

CURRENCIES = {"GBP", "EUR", "USD", "CHF", "CAD", "AUD"}


def _require_admin(actor: User) -> None:
    if not is_admin(actor):
        raise PermissionDenied(_("Only an administrator may do this."))


def _clean_slug(slug: str, model) -> str:
    slug = slugify(slug or "")
    if not slug:
        raise ValidationError({"slug": [_("Enter a short name of letters, numbers and hyphens.")]})
    if model.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [_("This short name is taken.")]})
    return slug


@transaction.atomic
def organisation_create(*, actor: User, name: str, slug: str) -> Organisation:
    _require_admin(actor)
    if not (name or "").strip():
        raise ValidationError({"name": [_("Enter a name.")]})
    organisation = Organisation.objects.create(name=name.strip(), slug=_clean_slug(slug, Organisation))
    audit_record(actor=actor, action="organisation.create", target=organisation, changes={"name": organisation.name})
    return organisation


@transaction.atomic
def programme_create(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    slug: str,
    currency: str = "GBP",
    hourly_value: Decimal | str = "0",
    description: str = "",
    auto_approve_max_minutes: int = 0,
    credit_expiry_policy: str = CreditExpiryPolicy.NEVER,
    credit_expiry_months: int | None = None,
    mentorship_default_months: int = 6,
) -> Programme:
    """Set up a co-delivery scheme. The currency is the one every valuation uses.
    Credits never expire unless `credit_expiry_policy` says after how many
    `credit_expiry_months` (since earned, or since the member's last activity)."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Enter a name.")]
    if currency not in CURRENCIES:
        errors["currency"] = [_("Choose one of %(list)s.") % {"list": ", ".join(sorted(CURRENCIES))}]
    try:
        amount = Decimal(str(hourly_value))
        if amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        errors["hourly_value"] = [_("Give an amount of zero or more, with at most two decimals.")]
    try:
        slug = _clean_slug(slug, Programme)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if credit_expiry_policy not in CreditExpiryPolicy.values:
        errors["credit_expiry_policy"] = [_("Choose when credits expire.")]
    elif credit_expiry_policy != CreditExpiryPolicy.NEVER and not credit_expiry_months:
        errors["credit_expiry_months"] = [_("Say after how many months credits expire.")]
    elif credit_expiry_policy == CreditExpiryPolicy.NEVER and credit_expiry_months:
        errors["credit_expiry_months"] = [_("Credits that never expire have no expiry period.")]
    rules = {
        "auto_approve_max_minutes": auto_approve_max_minutes,
        "credit_expiry_months": credit_expiry_months,
        "mentorship_default_months": mentorship_default_months,
    }
    for rule, value in rules.items():
        try:
            rules[rule] = Programme._meta.get_field(rule).clean(value, None)
        except ValidationError as exc:
            errors[rule] = exc.messages
    if errors:
        raise ValidationError(errors)
    programme = Programme.objects.create(
        organisation=organisation,
        name=name.strip(),
        slug=slug,
        description=description.strip(),
        hourly_value=Money(amount, currency),
        credit_expiry_policy=credit_expiry_policy,
        **rules,
    )
    audit_record(
        actor=actor,
        action="programme.create",
        target=programme,
        programme=programme,
        changes={"name": programme.name, "currency": currency, "hourly_value": str(amount)},
    )
    return programme


@transaction.atomic
def account_create(*, actor: User, username: str, password: str, full_name: str, email: str = "") -> User:
    """Create a sign-in account for staff (coordinators, partner staff, funders)."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if not (username or "").strip() or User.objects.filter(username__iexact=username.strip()).exists():
        errors["username"] = [_("Choose another username; this one is taken or empty.")]
    if email and User.objects.filter(email__iexact=email.strip()).exists():
        errors["email"] = [_("Another person already uses this e-mail address.")]
    elif email:
        try:
            validate_email(email.strip())
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    parts = (full_name or "").strip().split(" ")
    user = User(
        username=(username or "").strip(),
        email=(email or "").strip(),
        first_name=parts[0],
        last_name=" ".join(parts[1:]),
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    audit_record(actor=actor, action="account.create", target=user, changes={"username": user.username})
    return user


@transaction.atomic
def membership_grant(
    *, actor: User, user: User, programme: Programme, role: str, status: str = MembershipStatus.ACTIVE
) -> Membership:
    """Give a person a role in a programme. Administrators grant any role;
    coordinators grant volunteer and mentor roles. Granting a held role changes nothing."""
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose a role from the list.")]})
    if role in (Role.VOLUNTEER, Role.MENTOR):
        require_coordinator(actor, programme)
    else:
        _require_admin(actor)
    membership, created = Membership.objects.get_or_create(
        user=user, programme=programme, role=role, defaults={"status": status, "status_since": timezone.localdate()}
    )
    if created:
        audit_record(
            actor=actor, action="membership.grant", target=membership, programme=programme, changes={"role": role}
        )
    return membership
