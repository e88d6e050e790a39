"""Settings come from the environment and refuse to start without a production secret."""

import os
import subprocess
import sys

from django.conf import settings


def import_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import fasttrack.settings as s; print(s.DATABASES['default'])"],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_a_secret_key_stops_with_a_clear_message():
    result = import_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_mode_runs_on_sqlite_with_the_development_key():
    result = import_settings(DEBUG="true", DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout


def test_database_url_selects_postgresql():
    result = import_settings(
        SECRET_KEY="x" * 50, DATABASE_URL="postgres://someone@db.internal:5432/portal"
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout and "db.internal" in result.stdout


def test_a_claim_lease_not_longer_than_the_task_time_limit_stops_with_a_clear_message():
    # A send still running when its lease ran out would be sent again by another worker.
    result = import_settings(
        SECRET_KEY="x" * 50, NOTIFICATION_CLAIM_LEASE_SECONDS="120", CELERY_TASK_TIME_LIMIT="120"
    )
    assert result.returncode != 0
    assert "NOTIFICATION_CLAIM_LEASE_SECONDS (120) must be longer than" in result.stderr


def test_a_claim_lease_longer_than_the_task_time_limit_starts():
    result = import_settings(
        SECRET_KEY="x" * 50,
        NOTIFICATION_CLAIM_LEASE_SECONDS="3",
        CELERY_TASK_TIME_LIMIT="2",
        CELERY_TASK_SOFT_TIME_LIMIT="1",
    )
    assert result.returncode == 0, result.stderr
