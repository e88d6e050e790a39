"""The audit trail: append-only, hash-chained, and verify_audit names what was tampered with."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from engagements.audit import engagement_chain_problems
from engagements.models import (
    ActivityEvent,
    Checkpoint,
    Engagement,
    EventKind,
    Membership,
    ShareLink,
    Task,
)
from engagements.services.members import member_add
from engagements.services.share_links import share_link_create, share_link_revoke
from engagements.services.tasks import task_set_done, task_set_due_date, task_set_note
from responsibilities.models import CatalogueAuditHead, CatalogueEvent, Phase, Responsibility
from responsibilities.trail import catalogue_chain_problems
from trail.chain import chain_append, chain_hash
from trail.models import AuditChainHead

from .factories import (
    catalogue_ensure,
    make_persona,
    make_team_engagement,
    make_user,
    read_csv,
    record_every_kind,
)
from .shared import shared_rows


def build_trail():
    """conftest.py's `engagement` with four changes by both managers: made once for the tests
    that ask in a row."""
    catalogue_ensure()
    carla, miguel, vera, ada = map(make_persona, ["carla", "miguel", "vera", "ada"])
    engagement = make_team_engagement(carla=carla, miguel=miguel, vera=vera, ada=ada)
    tasks = list(engagement.tasks.exclude(phase=None).order_by("position")[:3])
    task_set_done(task=tasks[0], user=carla, done=True)
    task_set_note(task=tasks[1], user=miguel, note="Aguardando o cliente")
    task_set_due_date(
        task=tasks[2], user=carla, due_date=timezone.localdate() + datetime.timedelta(days=30)
    )
    task_set_done(task=tasks[0], user=carla, done=False, reason="Faltou evidência")
    engagement.refresh_from_db()
    return engagement


trail = shared_rows("trail", build_trail)


def trail_events(engagement):
    return ActivityEvent.objects.filter(engagement=engagement).order_by("sequence")


def verify():
    call_command("verify_audit")


def test_every_change_is_an_event_with_actor_party_and_from_to(trail, carla, miguel):
    kinds = [(e.sequence, e.kind, e.actor_name, e.party) for e in trail_events(trail)]
    assert kinds == [
        (1, "engagement_created", "Ada", ""),
        (2, "plan_baselined", "Ada", ""),
        (3, "task_done", "Carla", "customer"),
        (4, "note_changed", "Miguel", "microsoft"),
        (5, "due_date_changed", "Carla", "customer"),
        (6, "task_reopened", "Carla", "customer"),
    ]
    note = trail_events(trail).get(kind="note_changed")
    assert note.changes == {"old": "", "new": "Aguardando o cliente"}
    assert trail.audit_length == 6


def test_an_intact_trail_verifies(trail, capsys):
    verify()
    assert "intact" in capsys.readouterr().out


def test_an_event_written_before_structured_changes_still_verifies(trail, vera, capsys):
    """Events from before `changes` existed hold text, and their hashes never covered a
    `changes` key: they must verify exactly as they were written."""
    event = chain_append(
        ActivityEvent(
            engagement=trail,
            actor=vera,
            actor_name="Vera",
            party="customer",
            kind=EventKind.MEMBER_ADDED,
            new_value="Nina (Cliente, Leitor)",
        ),
        owner=Engagement.objects.get(pk=trail.pk),
        length_field="audit_length",
        head_field="audit_head",
        chain=AuditChainHead.Chain.ENGAGEMENT,
        owner_id=trail.pk,
    )
    event.refresh_from_db()
    old_payload = {
        "engagement": trail.pk,
        "sequence": 7,
        "task": None,
        "checkpoint": None,
        "actor": vera.pk,
        "actor_name": "Vera",
        "party": "customer",
        "on_behalf_of": "",
        "kind": "member_added",
        "old": "",
        "new": "Nina (Cliente, Leitor)",
        "reason": "",
        "at": event.created_at.isoformat(),
    }
    assert (event.changes, event.hash) == ({}, chain_hash(event.previous_hash, old_payload))
    verify()
    assert "intact" in capsys.readouterr().out


def test_an_altered_event_is_named(trail, capsys):
    event = trail_events(trail).get(sequence=4)
    ActivityEvent.objects.filter(pk=event.pk).update(changes={"old": "", "new": "Tudo certo"})
    with pytest.raises(CommandError):
        verify()
    error = capsys.readouterr().err
    assert f"event 4 (id {event.pk}): was altered" in error


def test_a_removed_event_is_named(trail, capsys):
    trail_events(trail).filter(sequence=2).delete()
    with pytest.raises(CommandError):
        verify()
    assert "event 3" in capsys.readouterr().err
    assert any("events 2-2 before it were removed" in p for p in engagement_chain_problems(trail))


def test_removing_the_newest_event_is_noticed(trail):
    trail_events(trail).filter(sequence=6).delete()
    (problem,) = engagement_chain_problems(trail)
    assert "should end at event 6, but ends at event 5" in problem


def test_an_inserted_event_is_named(trail):
    forged = trail_events(trail).get(sequence=5)
    forged.pk, forged.sequence, forged.kind = None, 7, "task_done"
    forged.save()
    problems = engagement_chain_problems(trail)
    assert any("event 7" in p and "does not follow" in p for p in problems)
    assert any("should end at event 6" in p for p in problems)


def test_catalogue_edits_form_their_own_chain(client, ada):
    item = Responsibility.objects.get(key="customer-avaliar-01")
    client.force_login(ada)
    client.post(
        reverse("admin:responsibilities_responsibility_changelist"),
        {"action": "retire", "_selected_action": [item.pk]},
    )
    event = CatalogueEvent.objects.order_by("-sequence").first()
    assert (event.kind, event.item_key, event.actor_name) == ("retired", item.key, "Ada")
    assert catalogue_chain_problems() == []
    CatalogueEvent.objects.filter(pk=event.pk).update(item_key="customer-avaliar-02")
    (problem,) = catalogue_chain_problems()
    assert f"catalogue event {event.sequence}" in problem and "altered" in problem


def test_an_admin_edit_records_what_changed_from_what(client, ada):
    item = Responsibility.objects.get(key="customer-avaliar-01")
    client.force_login(ada)
    client.post(
        reverse("admin:responsibilities_responsibility_change", args=[item.pk]),
        {
            "key": item.key,
            "party": item.party,
            "phase": item.phase_id,
            "position": item.position,
            "text_pt": item.text_pt,
            "text_en": "Name the participants.",
            "is_active": "on",
        },
    )
    event = CatalogueEvent.objects.order_by("-sequence").first()
    assert event.kind == "changed"
    assert '"text_en": "Name the participants."' in event.new_value
    assert item.text_en in event.old_value


def test_no_screen_edits_or_deletes_an_event(client, ada, trail):
    client.force_login(ada)
    assert client.get("/admin/engagements/activityevent/").status_code == 404
    event = CatalogueEvent.objects.first()
    change = reverse("admin:responsibilities_catalogueevent_change", args=[event.pk])
    assert client.post(change, {"item_key": "x"}).status_code == 403
    delete = reverse("admin:responsibilities_catalogueevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert CatalogueEvent.objects.filter(pk=event.pk).exists()


def test_managers_download_the_trail_as_csv(client, carla, trail):
    client.force_login(carla)
    response = client.get(reverse("engagement-audit-csv", args=[trail.pk]))
    rows = read_csv(response)
    assert rows[0][:6] == ["sequence", "at", "actor", "party", "on_behalf_of", "kind"]
    assert len(rows) == 1 + 6
    assert "Aguardando o cliente" in ";".join(rows[4])


def test_the_engagement_page_shows_the_trail(client, vera, trail):
    client.force_login(vera)
    html = client.get(reverse("engagement-audit", args=[trail.pk])).content.decode()
    assert "Faltou evidência" in html and "Aguardando o cliente" in html


def test_admin_edits_of_an_engagement_and_its_members_are_in_the_trail(
    client, ada, engagement, vera
):
    vera_membership = engagement.memberships.get(user=vera)
    memberships = list(engagement.memberships.order_by("pk"))
    data = {
        "customer": "Fabrikam Brasil",
        "licence_count": 800,
        "purchase_date": "2026-09-01",
        "start_date": "2026-09-15",
        "memberships-TOTAL_FORMS": len(memberships),
        "memberships-INITIAL_FORMS": len(memberships),
    }
    for index, membership in enumerate(memberships):
        data |= {
            f"memberships-{index}-id": membership.pk,
            f"memberships-{index}-engagement": engagement.pk,
            f"memberships-{index}-user": membership.user_id,
            f"memberships-{index}-party": membership.party,
            f"memberships-{index}-role": membership.role,
        }
        if membership == vera_membership:
            data[f"memberships-{index}-role"] = "manager"
    client.force_login(ada)
    response = client.post(
        reverse("admin:engagements_engagement_change", args=[engagement.pk]), data
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    kinds = list(trail_events(engagement).values_list("kind", "changes"))
    changed = [k for k in kinds if k[0] == "engagement_changed"]
    assert changed == [
        (
            "engagement_changed",
            {"customer": ["Fabrikam", "Fabrikam Brasil"], "licence_count": [500, 800]},
        )
    ]
    (member,) = [changes for kind, changes in kinds if kind == "member_changed"]
    assert (member["old"]["role"], member["new"]["role"]) == ("viewer", "manager")
    assert member["new"] | {"role": "viewer"} == member["old"]
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []


def test_an_account_that_acted_cannot_be_deleted_so_the_chain_stays_true(trail, carla):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        carla.delete()
    assert engagement_chain_problems(trail) == []


def test_engagements_cannot_be_deleted_in_the_admin(client, ada, trail):
    client.force_login(ada)
    url = reverse("admin:engagements_engagement_delete", args=[trail.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert trail.events.count() == 6


def test_deleting_an_item_records_its_sub_items_too(client, ada):
    parent = Responsibility.objects.get(key="microsoft-avaliar-02")
    client.force_login(ada)
    url = reverse("admin:responsibilities_responsibility_delete", args=[parent.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    deleted = set(CatalogueEvent.objects.filter(kind="deleted").values_list("item_key", flat=True))
    assert deleted == {"microsoft-avaliar-02", *(f"microsoft-avaliar-02-{x}" for x in "abcd")}
    assert catalogue_chain_problems() == []


def in_a_month() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)


def problems_reported(capsys) -> str:
    with pytest.raises(CommandError):
        verify()
    return capsys.readouterr().err


def test_a_deleted_engagement_is_noticed(trail, capsys):
    Engagement.objects.filter(pk=trail.pk).delete()
    assert f"engagement {trail.pk}: missing" in problems_reported(capsys)


def test_an_emptied_trail_with_its_head_zeroed_is_noticed(trail, capsys):
    trail_events(trail).delete()
    Engagement.objects.filter(pk=trail.pk).update(audit_length=0, audit_head="")
    error = problems_reported(capsys)
    assert f"engagement {trail.pk} (Fabrikam): its head (0 events" in error
    assert "the chain heads table says 6 events" in error


def test_a_wiped_catalogue_chain_is_noticed(catalogue, capsys):
    CatalogueEvent.objects.all().delete()
    CatalogueAuditHead.objects.all().delete()
    assert "the catalogue: its head (0 events" in problems_reported(capsys)


def test_a_wiped_catalogue_chain_and_its_chain_heads_row_is_noticed(catalogue, capsys):
    CatalogueEvent.objects.all().delete()
    CatalogueAuditHead.objects.all().delete()
    AuditChainHead.objects.filter(chain="catalogue").delete()
    assert "the catalogue has items but no chain head" in problems_reported(capsys)


def test_a_trail_and_its_chain_heads_row_wiped_together_is_noticed(trail, capsys):
    trail_events(trail).delete()
    Engagement.objects.filter(pk=trail.pk).update(audit_length=0, audit_head="")
    AuditChainHead.objects.filter(chain="engagement", owner=trail.pk).delete()
    assert f"engagement {trail.pk} (Fabrikam): no chain head" in problems_reported(capsys)


@pytest.fixture
def every_kind(engagement, carla, ada, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 2, 12, tzinfo=datetime.UTC), tick=False)
    link = record_every_kind(engagement, manager=carla, admin=ada)
    engagement.refresh_from_db()
    return engagement, link


def test_a_normal_sequence_of_changes_verifies_clean(every_kind, capsys):
    verify()
    assert "intact" in capsys.readouterr().out


def test_a_viewer_made_manager_in_the_database_is_noticed(engagement, carla, capsys):
    membership = member_add(
        membership=Membership(
            engagement=engagement, user=make_user("nina"), party="customer", role="viewer"
        ),
        added_by=carla,
    )
    Membership.objects.filter(pk=membership.pk).update(role="manager")
    error = problems_reported(capsys)
    assert f"engagement {engagement.pk} (Fabrikam), member Nina (user " in error
    assert "role is manager, but its last event says viewer" in error


def test_a_member_removed_without_an_event_is_noticed(engagement, carla, capsys):
    nina = make_user("nina")
    membership = Membership(engagement=engagement, user=nina, party="customer", role="viewer")
    member_add(membership=membership, added_by=carla)
    Membership.objects.filter(pk=membership.pk).delete()
    assert "member Nina" in problems_reported(capsys)


def test_a_revived_share_link_is_noticed(engagement, carla, capsys):
    link, _token = share_link_create(
        engagement=engagement, user=carla, label="Diretoria", expires_on=in_a_month()
    )
    share_link_revoke(link=link, user=carla)
    ShareLink.objects.filter(pk=link.pk).update(revoked_at=None)
    error = problems_reported(capsys)
    assert f"share link {link.pk} (Diretoria)" in error and "revoked" in error


def test_a_share_link_given_longer_is_noticed(engagement, carla, capsys):
    link, _token = share_link_create(
        engagement=engagement, user=carla, label="Diretoria", expires_on=in_a_month()
    )
    ShareLink.objects.filter(pk=link.pk).update(
        expires_at=link.expires_at + datetime.timedelta(days=60)
    )
    assert f"share link {link.pk} (Diretoria): expires" in problems_reported(capsys)


# Any day will do: the check compares the task with its trail, not with today.
TAMPERED_DUE = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=45)


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("text_pt", "Nada a fazer", "text differs from the one it was created with"),
        ("text_en", "Nothing to do", "text differs from the one it was created with"),
        ("done", True, "done is True, but the trail says False"),
        ("note", "Tudo certo", "note is 'Tudo certo', but the trail says 'Aguardando"),
        (
            "due_date",
            TAMPERED_DUE,
            f"due date is {TAMPERED_DUE.isoformat()}, but the trail says None",
        ),
    ],
)
def test_a_task_changed_in_the_database_is_noticed(trail, capsys, field, value, says):
    task = trail.tasks.exclude(phase=None).order_by("position")[1]
    Task.objects.filter(pk=task.pk).update(**{field: value})
    error = problems_reported(capsys)
    assert f"engagement {trail.pk} (Fabrikam), task {task.pk}: {says}" in error


def test_a_task_with_no_event_holds_its_first_state(trail, capsys):
    task = trail.tasks.exclude(phase=None).order_by("position")[10]
    Task.objects.filter(pk=task.pk).update(done=True)
    assert f"task {task.pk}: done is True, but the trail" in problems_reported(capsys)


def test_a_task_slipped_into_an_engagement_is_noticed(trail, capsys):
    task = trail.tasks.exclude(phase=None).order_by("position").first()
    task.pk, task.position = None, 9999
    task.save()
    assert f"task {task.pk}: was not among the engagement's tasks" in problems_reported(capsys)


def a_checkpoint(engagement):
    starts_at = (timezone.now() + datetime.timedelta(days=30)).replace(microsecond=0)
    return Checkpoint.objects.create(
        engagement=engagement,
        phase=Phase.objects.get(code="avaliar"),
        kind="checkpoint_call",
        title="Revisão",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
    )


def _other_task(event):
    return event.engagement.tasks.exclude(pk=event.task_id).first().pk


@pytest.mark.parametrize(
    "field, value",
    [
        ("reason", lambda event: "Outro motivo"),
        ("actor_name", lambda event: "Mallory"),
        ("actor", lambda event: event.engagement.memberships.get(user__username="vera").user_id),
        ("party", lambda event: "customer"),  # Miguel wrote the note, for Microsoft
        ("on_behalf_of", lambda event: "microsoft"),
        ("created_at", lambda event: event.created_at + datetime.timedelta(seconds=1)),
        ("old_value", lambda event: "x"),
        ("new_value", lambda event: "x"),
        ("changes", lambda event: {"old": "", "new": "Tudo certo"}),
        ("changes", lambda event: {}),
        ("task", lambda event: _other_task(event)),
        ("checkpoint", lambda event: a_checkpoint(event.engagement).pk),
        ("kind", lambda event: "due_date_changed"),
        ("sequence", lambda event: 30),
    ],
)
def test_every_stored_field_of_an_event_is_covered_by_its_hash(trail, capsys, field, value):
    event = trail_events(trail).get(kind="note_changed")
    column = f"{field}_id" if field in ("task", "checkpoint", "actor") else field
    ActivityEvent.objects.filter(pk=event.pk).update(**{column: value(event)})
    assert "was altered after it was written" in problems_reported(capsys)


def test_a_rewritten_head_alone_is_noticed(trail, capsys):
    Engagement.objects.filter(pk=trail.pk).update(audit_head="0" * 64)
    trail.refresh_from_db()
    assert any("should end at event 6" in p for p in engagement_chain_problems(trail))
    assert "its head (6 events, 000000000000) disagrees" in problems_reported(capsys)


@pytest.mark.parametrize(
    "field, value",
    [
        ("actor_name", "Mallory"),
        ("kind", "changed"),
        ("item_key", "customer-avaliar-02"),
        ("old_value", "x"),
        ("new_value", "x"),
        ("created_at", datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)),
        ("sequence", 99),
    ],
)
def test_every_stored_field_of_a_catalogue_event_is_covered(catalogue, field, value):
    event = CatalogueEvent.objects.order_by("-sequence").first()
    CatalogueEvent.objects.filter(pk=event.pk).update(**{field: value})
    assert any("altered after it was written" in p for p in catalogue_chain_problems())


def test_a_rewritten_catalogue_head_alone_is_noticed(catalogue):
    CatalogueAuditHead.objects.filter(pk=1).update(head="0" * 64)
    problems = catalogue_chain_problems()
    assert any("should end at event" in p for p in problems)
    assert any("the catalogue: its head" in p for p in problems)
