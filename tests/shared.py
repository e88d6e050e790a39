"""Rows that many tests read, made once rather than once per test: Django's setUpTestData,
for pytest.

`shared_rows(name, build)` makes a fixture of a builder. Before the first test that asks for it, the
builder runs in a transaction left open; each test's own transaction (pytest-django's `db`) is
a savepoint inside it, so what a test writes is rolled back and the next test finds the rows
as built. Each test gets a deep copy of what the builder returned, so changes made in memory do
not leak either. After a test, the transaction is rolled back unless the next test asks for the
same rows: a test never sees rows it did not ask for, and a transactional test finds none open.

A builder may not use function fixtures (it runs once for many tests): it makes its rows with
the factories. Evidence files it stores are copied into each test's own folder.
"""

import copy
import shutil
from contextlib import contextmanager

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.test import override_settings

from engagements.models import CheckpointReport, TaskEvidence

from .factories import at

BUILDERS = {}
NEXT_ITEM = pytest.StashKey()
# Attached to each shared fixture's function, to tell it from another fixture of the same name.
BUILDER_OF = "_shared_rows_builder"


def shared_rows(name, build):
    """A fixture called `name`, giving a copy of what `build` returned; see the module."""
    if BUILDERS.setdefault(name, build) is not build:
        raise ValueError(f"two builders of shared rows are called {name}")

    def rows(open_shared_rows, db):
        return copy.deepcopy(open_shared_rows.value)

    rows.__doc__ = build.__doc__
    setattr(rows, BUILDER_OF, name)
    return pytest.fixture(name=name)(rows)


def wanted_by(item):
    """The name of the shared rows the test asks for, if any."""
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs if info else {}
    names = [
        name
        for name, chain in definitions.items()
        if getattr(chain[-1].func, BUILDER_OF, None) == name
    ]
    if len(names) > 1:
        raise pytest.UsageError(f"{item.nodeid} asks for more than one set of shared rows")
    return names[0] if names else None


class OpenRows:
    """The rows of one builder, in the transaction left open around the tests that ask."""

    def __init__(self, name, folder, blocker):
        self.name, self.folder, self.blocker = name, folder, blocker
        self.atomic = transaction.atomic()
        # Django's TestCase marks its own blocks so: a durable block inside a test is allowed.
        self.atomic._from_testcase = True
        with blocker.unblock():
            self.atomic.__enter__()
            try:
                with evidence_stored_in(folder):
                    self.value = BUILDERS[name]()
            except BaseException:
                self.close()
                raise

    def close(self):
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)


class SharedRows:
    """This worker's open rows: at most one builder's at a time."""

    def __init__(self):
        self.opened = None

    def open_for(self, request, tmp_path_factory):
        """The rows the test asks for, opened before any other fixture of the test touches the
        database; other rows are rolled back first."""
        wanted = wanted_by(request.node)
        if wanted is not None and {"transactional_db", "live_server"} & set(request.fixturenames):
            raise pytest.UsageError(f"{request.node.nodeid}: shared rows are for `db` tests")
        if self.opened is not None and self.opened.name != wanted:
            self.close()
        if wanted is not None and self.opened is None:
            request.getfixturevalue("django_db_setup")
            self.opened = OpenRows(
                wanted,
                tmp_path_factory.mktemp(f"shared-{wanted}"),
                request.getfixturevalue("django_db_blocker"),
            )
        return self.opened

    def close_unless_next_wants(self, item):
        following = item.stash.get(NEXT_ITEM, None)
        if self.opened is not None and (
            following is None or wanted_by(following) != self.opened.name
        ):
            self.close()

    def close(self):
        self.opened.close()
        self.opened = None


@contextmanager
def stopped_clock(start):
    """The `clock` fixture, for a builder: time stands still at `start`; call the function
    given with a moment to move."""
    with time_machine.travel(at(start), tick=False) as traveller:
        yield lambda moment: traveller.move_to(at(moment) if isinstance(moment, str) else moment)


@contextmanager
def evidence_stored_in(folder):
    """Evidence files go to `folder`: the settings point there, and so does each file field,
    which took its store when its model loaded."""
    fields = [model._meta.get_field("file") for model in (TaskEvidence, CheckpointReport)]
    stores = [field.storage for field in fields]
    evidence = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(folder), "base_url": None},
    }
    with override_settings(STORAGES={**settings.STORAGES, "evidence": evidence}):
        for field in fields:
            field.storage = storages["evidence"]
        try:
            yield
        finally:
            for field, store in zip(fields, stores, strict=True):
                field.storage = store


def files_copied(opened, folder):
    """The evidence files the open rows' builder stored, copied into a test's own folder."""
    if opened is not None and any(opened.folder.iterdir()):
        shutil.copytree(opened.folder, folder, dirs_exist_ok=True)
