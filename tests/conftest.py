"""Personas and factories shared by the suite.

The personas: Carla manages for the customer, Miguel manages for Microsoft, Vera only views,
Otto belongs to another engagement, and Ada is staff (the catalogue admin).
"""

import datetime
import os
import sqlite3
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone, translation

from engagements.demo import demo_data_create
from engagements.models import Engagement
from engagements.planning.event_text import _PHASE_NAMES
from responsibilities.services import catalogue_load

from .entra import EntraStandIn
from .factories import (
    at,
    catalogue_ensure,
    make_other_engagement,
    make_persona,
    make_team_engagement,
)
from .shared import NEXT_ITEM, SharedRows, evidence_stored_in, files_copied

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    # The shared rows stay open after a test only when the next one asks for them too.
    item.stash[NEXT_ITEM] = nextitem


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A request a page sent last (the my-work count it loads) can still be at work in the live
    server when the test's database is flushed: on PostgreSQL the flush and that request then
    deadlock and the flush fails. Before the fixtures are torn down, let such requests end."""
    if "live_server" in item.fixturenames and connection.vendor == "postgresql":
        _wait_for_other_sessions_to_rest()
    return (yield)


def _wait_for_other_sessions_to_rest(timeout=10.0):
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                """SELECT count(*) FROM pg_stat_activity
                   WHERE datname = current_database() AND pid <> pg_backend_pid()
                     AND state IN ('active', 'idle in transaction')"""
            )
            if cursor.fetchone() == (0,):
                return
            time.sleep(0.05)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        catalogue_load()


@pytest.fixture(autouse=True)
def default_language():
    """A request by a user who reads English leaves English active in the test's thread (the
    middleware activates it and nothing deactivates it): each test starts from the default."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def phase_names_forgotten():
    """The plan's event texts keep the phases' names once read, per process: each test starts
    without them, so a page's pinned queries do not depend on which test ran before."""
    _PHASE_NAMES.clear()


@pytest.fixture(scope="session")
def shared_rows_state():
    return SharedRows()


@pytest.fixture(autouse=True)
def open_shared_rows(request, shared_rows_state, tmp_path_factory):
    """The rows of tests/shared.py's builder that this test asks for, if any."""
    yield shared_rows_state.open_for(request, tmp_path_factory)
    shared_rows_state.close_unless_next_wants(request.node)


@pytest.fixture(autouse=True)
def evidence_folder(tmp_path, open_shared_rows):
    """Every test stores evidence in a folder of its own, never the project's (with the files
    of the shared rows it asked for, if any)."""
    folder = tmp_path / "evidence"
    files_copied(open_shared_rows, folder)
    with evidence_stored_in(folder):
        yield folder


@pytest.fixture
def catalogue(db):
    """The shipped catalogue (transactional tests flush it, so load it again when it is gone)."""
    catalogue_ensure()


# The demo is built relative to now: Contoso's checkpoint call starts 62 minutes after it, the
# first reminder 2 minutes after. A copy this old still has the call well ahead; an older one, or
# one from another day, is built again.
DEMO_COPY_LIFETIME = datetime.timedelta(minutes=15)
DEMO_COPY_SCHEMA = "demo_copy"


def sqlite_copy():
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    connection.connection.backup(copy)
    return copy


def sqlite_restore(copy):
    copy.backup(connection.connection)


def postgresql_copy():
    """The tables that a flush empties, copied into a schema of their own in the test database,
    which is dropped with it."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {DEMO_COPY_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {DEMO_COPY_SCHEMA}")
        for table in map(quote, tables):
            cursor.execute(f"CREATE TABLE {DEMO_COPY_SCHEMA}.{table} AS TABLE {table}")
    return tables


def postgresql_restore(tables):
    quote = connection.ops.quote_name
    # The foreign keys are checked at the commit, so the tables empty and fill in any order. The
    # flush before left them almost empty: a DELETE costs less than a TRUNCATE of every table.
    with transaction.atomic(), connection.cursor() as cursor:
        for table in map(quote, tables):
            cursor.execute(f"DELETE FROM {table}")
        for table in map(quote, tables):
            cursor.execute(f"INSERT INTO {table} TABLE {DEMO_COPY_SCHEMA}.{table}")
        # No later row may take an id the copy holds.
        models = [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.db_table in tables
        ]
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


DEMO_COPIERS = {
    "sqlite": (sqlite_copy, sqlite_restore),
    "postgresql": (postgresql_copy, postgresql_restore),
}


@pytest.fixture(scope="session")
def demo_copy():
    """This worker's copy of the database as the first `demo` left it, and when it was built."""
    return {}


@pytest.fixture
def demo(request, transactional_db, demo_copy):
    """The demo data set, as `make run` makes it; its Contoso engagement.

    Building it takes seconds, so each worker builds it once, copies the whole database and
    gives each later test that copy back: the same rows and ids, the catalogue and the audit
    chain. The copy replaces every row, so it stands in only for a database with no users and no
    engagements (what a fixture requested before `demo` makes): on another, the demo is built.
    """
    copy, restore = DEMO_COPIERS[connection.vendor]
    now = timezone.now()
    built_at = demo_copy.get("built_at")
    fresh = (
        built_at is not None
        and timezone.localdate(built_at) == timezone.localdate(now)
        and built_at <= now < built_at + DEMO_COPY_LIFETIME
    )
    bare = not (get_user_model().objects.exists() or Engagement.objects.exists())
    if fresh and bare:
        restore(demo_copy["copy"])
        # Its ids are the copy's, not those the flush before made.
        ContentType.objects.clear_cache()
    else:
        request.getfixturevalue("catalogue")
        demo_data_create()
        if bare:
            demo_copy.update(built_at=now, copy=copy())
    return Engagement.objects.get(customer="Contoso")


@pytest.fixture
def clock(time_machine, request):
    """Time stands still at the test module's CLOCK_START; call it with a moment to move."""

    def move(moment):
        time_machine.move_to(at(moment) if isinstance(moment, str) else moment, tick=False)

    move(request.module.CLOCK_START)
    return move


@pytest.fixture
def entra(tmp_path, monkeypatch):
    """A stand-in for Microsoft Entra ID's sign-in endpoints, this test's own (tests/entra.py).

    msal puts its `verify=` (the stand-in's CA) on its requests Session, and requests lets a
    CA bundle named in the environment win over a Session's own (psf/requests#4726)."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    server = EntraStandIn(tmp_path)
    yield server
    server.stop()


def persona(name, open_rows):
    """The persona the shared rows the test asked for made, or else a new one."""
    if open_rows is not None:
        made = get_user_model().objects.filter(username=name).first()
        if made is not None:
            return made
    return make_persona(name)


@pytest.fixture
def carla(db, open_shared_rows):
    return persona("carla", open_shared_rows)


@pytest.fixture
def miguel(db, open_shared_rows):
    return persona("miguel", open_shared_rows)


@pytest.fixture
def vera(db, open_shared_rows):
    return persona("vera", open_shared_rows)


@pytest.fixture
def otto(db, open_shared_rows):
    return persona("otto", open_shared_rows)


@pytest.fixture
def ada(db, open_shared_rows):
    return persona("ada", open_shared_rows)


@pytest.fixture
def engagement(catalogue, carla, miguel, vera, ada):
    return make_team_engagement(carla=carla, miguel=miguel, vera=vera, ada=ada)


@pytest.fixture
def other_engagement(catalogue, otto, ada):
    return make_other_engagement(otto=otto, ada=ada)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir():
    """pytest-playwright empties test-results/ when each process starts; with several workers,
    or the SQLite and PostgreSQL runs side by side, one would delete another's screenshots, or
    fail on a file written meanwhile. The screenshots are overwritten by name instead."""


@pytest.fixture
def screenshot_dir(pytestconfig):
    path = pytestconfig.rootpath / "test-results" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The portal's users mostly browse in Brazilian Portuguese.
    return {**browser_context_args, "locale": "pt-BR"}
