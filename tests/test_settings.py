"""Settings come from the environment and refuse to start without a production secret."""

import os
import subprocess
import sys

import environ
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import reverse

from fasttrack.evidence_store import evidence_store

# Settings that the tests below leave out unless they give them, so that neither the
# environment the tests run in nor a developer's .env decides what they see.
UNSET = {"SECRET_KEY", "DEBUG", "EMAIL_TIMEOUT"}
# The settings read .env without overriding what the environment holds: it is kept unread.
WITHOUT_DOTENV = "import environ; environ.Env.read_env = lambda *args, **kwargs: None"


def import_settings(show="s.DATABASES['default']", **env):
    """Start the settings in a new interpreter with the environment plus `env`, printing `show`."""
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [sys.executable, "-c", f"{WITHOUT_DOTENV}; import fasttrack.settings as s; print({show})"],
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


def test_postgresql_runs_each_query_in_one_process_unless_told_otherwise():
    url = "postgres://someone@db.internal:5432/portal"
    options = "s.DATABASES['default'].get('OPTIONS', {})"
    default = import_settings(options, SECRET_KEY="x" * 50, DATABASE_URL=url)
    assert default.stdout.strip() == "{'options': '-c max_parallel_workers_per_gather=0'}"
    two = import_settings(
        options, SECRET_KEY="x" * 50, DATABASE_URL=url, DATABASE_PARALLEL_WORKERS="2"
    )
    assert two.stdout.strip() == "{'options': '-c max_parallel_workers_per_gather=2'}"
    own = import_settings(
        options, SECRET_KEY="x" * 50, DATABASE_URL=f"{url}?options=-c%20work_mem%3D64MB"
    )
    assert own.stdout.strip() == "{'options': '-c work_mem=64MB'}"
    sqlite = import_settings(options, DEBUG="true", DATABASE_URL="")
    assert sqlite.stdout.strip() == "{}"


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="a setting of PostgreSQL's",
)
def test_the_database_server_hears_the_parallel_workers_setting(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)


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


def test_evidence_stays_in_a_private_folder_by_default(tmp_path):
    store = evidence_store(environ.Env(), "local", tmp_path)
    assert store == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path), "base_url": None},
    }


def test_evidence_in_s3_is_private_and_reached_only_by_signed_addresses(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "evidencias")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "https://s3.example.com")
    monkeypatch.delenv("AWS_S3_REGION_NAME", raising=False)
    store = evidence_store(environ.Env(), "s3", tmp_path)
    assert store["BACKEND"] == "storages.backends.s3.S3Storage"
    options = store["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "evidencias",
        "https://s3.example.com",
        None,
    )
    assert (options["default_acl"], options["querystring_auth"], options["file_overwrite"]) == (
        "private",
        True,
        False,
    )


def test_evidence_in_s3_without_a_bucket_stops_with_its_name(tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME", raising=False)
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        evidence_store(environ.Env(), "s3", tmp_path)


def test_an_unknown_evidence_store_stops_with_the_choices(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="use local .* or s3"):
        evidence_store(environ.Env(), "S3", tmp_path)


def test_an_email_timeout_not_below_the_soft_time_limit_stops_with_a_clear_message():
    # A server slow to answer DATA would then outlast the soft limit, and the hard limit would
    # kill the send after the message went out: delivered, and sent again.
    result = import_settings(
        SECRET_KEY="x" * 50,
        NOTIFICATION_CLAIM_LEASE_SECONDS="5",
        CELERY_TASK_TIME_LIMIT="4",
        CELERY_TASK_SOFT_TIME_LIMIT="3",
        EMAIL_TIMEOUT="3",
    )
    assert result.returncode != 0
    assert "EMAIL_TIMEOUT (3) must be above 0 and below CELERY_TASK_SOFT_TIME_LIMIT" in (
        result.stderr
    )


def test_the_email_timeout_follows_the_soft_time_limit_by_default():
    result = import_settings(
        "s.EMAIL_TIMEOUT",
        SECRET_KEY="x" * 50,
        NOTIFICATION_CLAIM_LEASE_SECONDS="5",
        CELERY_TASK_TIME_LIMIT="4",
        CELERY_TASK_SOFT_TIME_LIMIT="3",
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == 1.0


def test_an_allowed_webhook_network_that_is_no_network_stops_with_a_clear_message():
    result = import_settings(SECRET_KEY="x" * 50, WEBHOOK_ALLOWED_NETWORKS="10.20.0.0/33")
    assert result.returncode != 0
    assert "WEBHOOK_ALLOWED_NETWORKS:" in result.stderr
    result = import_settings(
        "s.WEBHOOK_ALLOWED_NETWORKS", SECRET_KEY="x" * 50, WEBHOOK_ALLOWED_NETWORKS="10.20.0.0/16,"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['10.20.0.0/16']"


def test_the_covering_index_warning_is_silenced_on_sqlite_only():
    """SQLite ignores an index's included columns and Django says so at every start (W040):
    nothing a newcomer can act on. PostgreSQL keeps the check."""
    sqlite = import_settings(show="s.SILENCED_SYSTEM_CHECKS", DEBUG="true", DATABASE_URL="")
    assert sqlite.stdout.strip() == "['models.W040']"
    postgresql = import_settings(
        show="s.SILENCED_SYSTEM_CHECKS",
        DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/fasttrack",
    )
    assert postgresql.stdout.strip() == "[]"


def test_a_start_on_sqlite_prints_no_warning():
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default"],
        cwd=settings.BASE_DIR,
        env={**clean, "DEBUG": "true", "DATABASE_URL": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "W040" not in result.stdout + result.stderr


def test_the_portal_has_a_vendored_favicon(client):
    """Every page names it; pages that do not (the admin, a PDF) get it at /favicon.ico."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
    assert (settings.BASE_DIR / "static" / "favicon.svg").read_text().startswith("<svg")
    page = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
