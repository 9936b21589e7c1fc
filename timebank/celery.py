"""The Celery app. Without a broker URL, tasks run eagerly (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timebank.settings")

app = Celery("timebank")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
