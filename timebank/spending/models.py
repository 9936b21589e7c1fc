from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField


class PartnerCategory(models.TextChoices):
    LEISURE = "leisure", _("Leisure")
    CULTURE = "culture", _("Culture")
    SPORT = "sport", _("Sport")
    LEARNING = "learning", _("Learning")
    FOOD = "food", _("Food")


class PartnerVenue(models.Model):
    """A cinema, a pool, a theatre that takes credits. Its staff are users linked through PartnerStaff."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.PROTECT, related_name="partner_venues")
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=PartnerCategory.choices)
    address = models.TextField(_("address"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    active = models.BooleanField(_("taking credits"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="venue_unique_per_programme"),
            models.CheckConstraint(
                condition=models.Q(category__in=PartnerCategory.values), name="venue_category_valid"
            ),
        ]

    def __str__(self):
        return self.name


class PartnerStaff(models.Model):
    venue = models.ForeignKey(PartnerVenue, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_staff")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["venue", "user"], name="partner_staff_unique")]

    def __str__(self):
        return f"{self.user} at {self.venue}"


class Offer(models.Model):
    venue = models.ForeignKey(PartnerVenue, on_delete=models.PROTECT, related_name="offers")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    price_minutes = models.PositiveIntegerField(_("price (minutes of credit)"))
    cash_value = MoneyField(_("cash value"), max_digits=10, decimal_places=2, default_currency="GBP")
    restrictions = models.CharField(_("restrictions"), max_length=300, blank=True)
    monthly_limit_per_person = models.PositiveSmallIntegerField(_("limit per person per month"), null=True, blank=True)
    starts_on = models.DateField(_("available from"))
    ends_on = models.DateField(_("available until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["venue__name", "title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price_minutes__gt=0), name="offer_price_positive"),
            models.CheckConstraint(condition=models.Q(cash_value__gte=0), name="offer_cash_value_not_negative"),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="offer_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.venue})"


class VoucherStatus(models.TextChoices):
    ISSUED = "issued", _("Ready to use")
    REDEEMED = "redeemed", _("Used")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class Voucher(models.Model):
    """An offer a volunteer has picked. Its price is held from their balance when it is
    issued, moves to the partner when the partner confirms it, and goes back once, by a
    reversal of the hold, when it is cancelled or expires."""

    code = models.CharField(max_length=16, unique=True)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="vouchers")
    volunteer = models.ForeignKey("volunteers.VolunteerProfile", on_delete=models.PROTECT, related_name="vouchers")
    price_minutes = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VoucherStatus.choices, default=VoucherStatus.ISSUED)
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    hold_transaction = models.OneToOneField("ledger.Transaction", on_delete=models.PROTECT, related_name="+")
    settled_transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price_minutes__gt=0), name="voucher_price_positive"),
            models.CheckConstraint(
                condition=models.Q(status="issued", settled_transaction__isnull=True, closed_at__isnull=True)
                | (~models.Q(status="issued") & models.Q(settled_transaction__isnull=False, closed_at__isnull=False)),
                name="voucher_closed_with_settlement",
            ),
        ]

    def __str__(self):
        return self.code


class Redemption(models.Model):
    """Credits spent at a partner: by a confirmed voucher, or directly at the till."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="redemptions")
    venue = models.ForeignKey(PartnerVenue, on_delete=models.PROTECT, related_name="redemptions")
    volunteer = models.ForeignKey("volunteers.VolunteerProfile", on_delete=models.PROTECT, related_name="redemptions")
    voucher = models.OneToOneField(Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="redemption")
    price_minutes = models.PositiveIntegerField()
    cash_value = MoneyField(max_digits=10, decimal_places=2, default_currency="GBP")
    transaction = models.OneToOneField("ledger.Transaction", on_delete=models.PROTECT, related_name="redemption")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    redeemed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-redeemed_at", "-id"]

    def __str__(self):
        return f"{self.offer} for {self.volunteer}"


class Gift(models.Model):
    """Credits given: member to member, member to the community fund, or granted from the fund."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.PROTECT, related_name="gifts")
    giver = models.ForeignKey(
        "volunteers.VolunteerProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="gifts_given"
    )
    recipient = models.ForeignKey(
        "volunteers.VolunteerProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="gifts_received"
    )
    minutes = models.PositiveIntegerField()
    message = models.CharField(max_length=300, blank=True)
    transaction = models.OneToOneField("ledger.Transaction", on_delete=models.PROTECT, related_name="gift")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(minutes__gt=0), name="gift_positive"),
            # A giver or a recipient (or both): a null side is the programme's community fund.
            models.CheckConstraint(
                condition=models.Q(giver__isnull=False) | models.Q(recipient__isnull=False), name="gift_has_a_member"
            ),
        ]

    def __str__(self):
        return f"{self.minutes} min from {self.giver or 'the fund'} to {self.recipient or 'the fund'}"


class CreditExpiryWarning(models.Model):
    """One warning per volunteer, programme and expiry date; makes the warning task safe to rerun."""

    volunteer = models.ForeignKey("volunteers.VolunteerProfile", on_delete=models.CASCADE, related_name="+")
    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="+")
    expires_on = models.DateField()
    minutes = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "programme", "expires_on"], name="credit_warning_once")
        ]

    def __str__(self):
        return f"{self.minutes} min expiring {self.expires_on}"
