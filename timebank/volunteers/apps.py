from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "timebank.volunteers"
    verbose_name = "Volunteers"
