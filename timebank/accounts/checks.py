"""System checks of what signs people in."""

from django.conf import settings
from django.core.checks import Error


def secret_key_is_not_the_development_key(app_configs, **kwargs):
    """Sessions, password-reset links and CSRF tokens are signed with SECRET_KEY: the
    development fallback is public, so whoever reads this repository could forge them."""
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the development key from timebank/settings.py.",
                hint="Set SECRET_KEY in the environment to a long random value.",
                id="timebank.E001",
            )
        ]
    return []
