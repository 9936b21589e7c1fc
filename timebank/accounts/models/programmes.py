from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField


class Organisation(models.Model):
    """A housing association, a city, a charity: the body that runs programmes."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CreditExpiryPolicy(models.TextChoices):
    NEVER = "never", _("Never")
    AFTER_EARNED = "after_earned", _("N months after they were earned")
    AFTER_INACTIVITY = "after_inactivity", _("After N months without activity")


class Programme(models.Model):
    """A co-delivery scheme: a tenants' time-credit scheme, a family mentoring programme."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    # The currency of hourly_value is the programme's currency for every valuation.
    hourly_value = MoneyField(
        _("hourly value of volunteer time"),
        max_digits=10,
        decimal_places=2,
        default=0,
        default_currency="GBP",
    )
    # Defaults that later steps use (approval, credit expiry, mentorship length).
    auto_approve_max_minutes = models.PositiveIntegerField(_("approve claims automatically up to (minutes)"), default=0)
    credit_expiry_policy = models.CharField(
        _("credits expire"), max_length=16, choices=CreditExpiryPolicy.choices, default=CreditExpiryPolicy.NEVER
    )
    credit_expiry_months = models.PositiveSmallIntegerField(_("credits expire after (months)"), null=True, blank=True)
    mentorship_default_months = models.PositiveSmallIntegerField(_("default mentorship length (months)"), default=6)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hourly_value__gte=0), name="programme_hourly_value_not_negative"),
        ]

    def __str__(self):
        return self.name

    @property
    def currency(self) -> str:
        return str(self.hourly_value_currency)


class Role(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer")
    MENTOR = "mentor", _("Mentor")
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER = "partner", _("Partner venue")
    FUNDER = "funder", _("Funder")


class MembershipStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    LEFT = "left", _("Left")


class Membership(models.Model):
    """One role of one person in one programme. A person may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    status_since = models.DateField(_("status since"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "programme", "role"], name="membership_unique_role"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
            models.CheckConstraint(
                condition=models.Q(status__in=MembershipStatus.values), name="membership_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["programme", "role", "status"])]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.programme}"
