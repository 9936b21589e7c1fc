from django.apps import AppConfig
from django.core.checks import Tags, register


class AccountsConfig(AppConfig):
    name = "timebank.accounts"
    verbose_name = "Accounts and programmes"

    def ready(self):
        from timebank.accounts.checks import secret_key_is_not_the_development_key

        register(secret_key_is_not_the_development_key, Tags.security, deploy=True)
