from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "timebank.demo"
    verbose_name = "Demo data"
