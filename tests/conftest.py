"""Personas and factories shared by the suite.

The personas: Carla manages for the customer, Miguel manages for Microsoft, Vera only views,
Otto belongs to another engagement, and Ada is staff (the catalogue admin).
"""

import os
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.utils import translation

from engagements.demo import demo_data_create
from engagements.models import CheckpointReport, Engagement, Membership, Role, TaskEvidence
from responsibilities.models import Party, Responsibility
from responsibilities.services import catalogue_load

from .factories import at, make_engagement, make_user

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


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
def evidence_folder(tmp_path, settings, monkeypatch):
    """Every test stores evidence in a folder of its own, never the project's: the settings
    point there, and so does the file field, which took its store when the model loaded."""
    folder = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    for model in (TaskEvidence, CheckpointReport):
        monkeypatch.setattr(model._meta.get_field("file"), "storage", storages["evidence"])
    return folder


@pytest.fixture
def catalogue(db):
    """The shipped catalogue (transactional tests flush it, so load it again when it is gone)."""
    if not Responsibility.objects.exists():
        catalogue_load()


@pytest.fixture
def demo(transactional_db, catalogue):
    """The demo data set, as `make run` makes it; its Contoso engagement."""
    demo_data_create()
    return Engagement.objects.get(customer="Contoso")


@pytest.fixture
def clock(time_machine, request):
    """Time stands still at the test module's CLOCK_START; call it with a moment to move."""

    def move(moment):
        time_machine.move_to(at(moment) if isinstance(moment, str) else moment, tick=False)

    move(request.module.CLOCK_START)
    return move


@pytest.fixture
def carla(db):
    return make_user("carla")


@pytest.fixture
def miguel(db):
    return make_user("miguel")


@pytest.fixture
def vera(db):
    return make_user("vera")


@pytest.fixture
def otto(db):
    return make_user("otto")


@pytest.fixture
def ada(db):
    return make_user("ada", is_staff=True, is_superuser=True)


@pytest.fixture
def engagement(catalogue, carla, miguel, vera, ada):
    engagement = make_engagement(created_by=ada)
    Membership.objects.create(
        engagement=engagement, user=carla, party=Party.CUSTOMER, role=Role.MANAGER
    )
    Membership.objects.create(
        engagement=engagement, user=miguel, party=Party.MICROSOFT, role=Role.MANAGER
    )
    Membership.objects.create(
        engagement=engagement, user=vera, party=Party.CUSTOMER, role=Role.VIEWER
    )
    return engagement


@pytest.fixture
def other_engagement(catalogue, otto, ada):
    engagement = make_engagement(created_by=ada, customer="Northwind", intune=True)
    Membership.objects.create(
        engagement=engagement, user=otto, party=Party.CUSTOMER, role=Role.MANAGER
    )
    return engagement


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
