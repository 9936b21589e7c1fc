from django.apps import AppConfig


class EarningConfig(AppConfig):
    name = "timebank.earning"
    verbose_name = "Earning"
