from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who may sign in, or a person registered by a coordinator.

    People without e-mail (a tenant who uses a membership card) get a user with
    an empty e-mail and an unusable password; a coordinator acts for them.
    """

    email = models.EmailField(_("e-mail address"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_when_set",
                violation_error_message=_("Another person already uses this e-mail address."),
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A per-user API token for scripts. Only a hash of the secret is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
