from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "timebank.training"
    verbose_name = "Training"
