from django.apps import AppConfig


class SpendingConfig(AppConfig):
    name = "timebank.spending"
    verbose_name = "Spending"
