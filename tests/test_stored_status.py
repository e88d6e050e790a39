"""The stored status: every service keeps it what the rows say, and `engagement_status` finds and
repairs one that is not."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engagements.models import Engagement, Membership, Task
from engagements.services.status import engagement_status_check
from responsibilities.models import Party

from .factories import make_engagement

CLOCK_START = "2026-11-02 12:00"


def stored(engagement) -> Engagement:
    return Engagement.objects.get(pk=engagement.pk)


def test_a_new_engagement_stores_its_status(engagement):
    row = stored(engagement)
    assert row.status_current_phase.code == "iniciar"
    assert row.status_waiting_on == "both"
    phase_tasks = engagement.tasks.exclude(phase=None)
    assert row.status_customer_total == phase_tasks.filter(party=Party.CUSTOMER).count()
    assert row.status_microsoft_total == phase_tasks.filter(party=Party.MICROSOFT).count()
    assert row.status_customer_done == row.status_microsoft_done == 0
    assert (
        row.status_last_activity_at == row.status_quiet_since == engagement.events.get().created_at
    )
    assert row.status_customer_due == row.status_checkpoints == []
    assert engagement_status_check(repair=False) == {}


def tamper(engagement, **columns):
    Engagement.objects.filter(pk=engagement.pk).update(**columns)


def test_check_names_each_differing_column_and_exits_1(engagement, capsys):
    tamper(engagement, status_customer_done=7, status_first_due=datetime.date(2026, 1, 1))
    with pytest.raises(CommandError, match="1 of 1 stored statuses differ"):
        call_command("engagement_status", "--check")
    assert capsys.readouterr().err.strip() == (
        f"engagement {engagement.pk} (Fabrikam): status_customer_done, status_first_due"
    )
    assert stored(engagement).status_customer_done == 7  # --check changes nothing


def test_rebuild_repairs_only_what_differs(engagement, other_engagement, capsys):
    tamper(engagement, status_phases={}, status_checkpoint_behind=[True])
    call_command("engagement_status", "--rebuild")
    assert "Repaired the stored status of 1 of 2 engagements." in capsys.readouterr().out
    call_command("engagement_status", "--check")
    assert "matches their rows" in capsys.readouterr().out


def test_a_row_written_behind_the_services_back_is_caught(engagement):
    """A bulk update skips the services (and would skip any signal): --check is the net."""
    Task.objects.filter(engagement=engagement, phase__code="iniciar").update(done=True)
    assert set(engagement_status_check(repair=False)[engagement.pk]) >= {
        "status_customer_done",
        "status_microsoft_done",
        "status_phases",
    }


def test_creating_an_engagement_stores_its_status_at_once(catalogue, ada):
    engagement = make_engagement(created_by=ada, customer="Tailspin", intune=True)
    assert engagement.status_current_phase_id is not None  # the returned object has it too
    assert engagement_status_check(repair=False) == {}


def test_members_added_without_the_services_change_nothing_stored(engagement, otto):
    Membership.objects.create(engagement=engagement, user=otto, party=Party.CUSTOMER)
    assert engagement_status_check(repair=False) == {}
