from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "timebank.accounts"
    verbose_name = "Accounts and programmes"
