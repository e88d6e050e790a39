import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fasttrack.settings")

app = Celery("fasttrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
