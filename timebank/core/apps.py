from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "timebank.core"
    label = "core"
    verbose_name = "Timebank core"
