from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Skill(models.Model):
    """A skill in a programme's vocabulary (free tags live on the profile)."""

    programme = models.ForeignKey("accounts.Programme", on_delete=models.CASCADE, related_name="skills")
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"))

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["programme", "slug"], name="skill_unique_per_programme")]

    def __str__(self):
        return self.name


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")


class VolunteerProfile(models.Model):
    """Everything a programme knows about a volunteer or mentor.

    One profile per person; the programmes they give time to are their
    memberships. Demographics are kept only while a demographics consent stands.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer")
    membership_number = models.CharField(_("membership number"), max_length=16, unique=True, null=True)
    full_name = models.CharField(_("full name"), max_length=200)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, default="en")
    skills = models.ManyToManyField(Skill, blank=True, related_name="volunteers", verbose_name=_("skills"))
    skill_tags = models.JSONField(_("other skills"), default=list, blank=True)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    place_name = models.CharField(_("area"), max_length=120, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True, blank=True)
    travel_km = models.PositiveSmallIntegerField(_("will travel up to (km)"), default=5)
    willing_children = models.BooleanField(_("willing to work with children"), default=False)
    willing_vulnerable_adults = models.BooleanField(_("willing to work with vulnerable adults"), default=False)
    willing_home_visits = models.BooleanField(_("willing to make home visits"), default=False)
    # Matching: how much a person takes on. Gender is asked only to honour a supported
    # person's wish for a mentor of a given gender, and may be left blank.
    max_mentees = models.PositiveSmallIntegerField(_("families or people I can mentor at once"), default=1)
    max_hours_per_week = models.PositiveSmallIntegerField(_("hours a week I can give"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact name"), max_length=200, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=32, blank=True)
    demographics = models.JSONField(_("demographics"), default=dict, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(latitude__isnull=True) & models.Q(longitude__isnull=True))
                | (models.Q(latitude__gte=-90, latitude__lte=90) & models.Q(longitude__gte=-180, longitude__lte=180)),
                name="volunteer_coordinates_valid",
            ),
            models.CheckConstraint(condition=models.Q(travel_km__lte=500), name="volunteer_travel_km_max"),
        ]
        # Matching narrows candidates to a box around a need: by latitude, then by each
        # volunteer's own travel distance (the widest one read from the travel_km index).
        indexes = [models.Index(fields=["latitude"]), models.Index(fields=["travel_km"])]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def can_sign_in(self) -> bool:
        return self.user.has_usable_password()


class VolunteerLanguage(models.Model):
    volunteer = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("language"), max_length=8)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["volunteer", "code"], name="volunteer_language_unique")]
        indexes = [models.Index(fields=["code"])]

    def __str__(self):
        return self.code


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilitySlot(models.Model):
    """A weekly window in which the volunteer is usually free."""

    volunteer = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="slot_starts_before_end"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="slot_weekday_valid"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class ConsentPurpose(models.TextChoices):
    DATA_PROCESSING = "data_processing", _("Keep my volunteer record")
    CONTACT_EMAIL = "contact_email", _("Contact me by e-mail")
    CONTACT_PHONE = "contact_phone", _("Contact me by phone or text")
    PHOTOS = "photos", _("Use photographs of me")
    DEMOGRAPHICS = "demographics", _("Use my demographic details in anonymous reports")


class Consent(models.Model):
    """A consent given (and perhaps withdrawn), with who recorded it and when."""

    volunteer = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    given_at = models.DateTimeField(_("given at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["purpose", "-given_at"]
        constraints = [
            # At most one standing consent per purpose; history keeps the withdrawn ones.
            models.UniqueConstraint(
                fields=["volunteer", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_standing_per_purpose",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True) | models.Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} ({'withdrawn' if self.withdrawn_at else 'given'})"

    @property
    def is_standing(self) -> bool:
        return self.withdrawn_at is None
