"""Every cell of the README's rules table: who may do what to an engagement.

Each action is a real request; a refusal (and a read) must change nothing: every row of every
table an action could touch is compared before and after, not only the audit trail's length.
An allowed write must add its event.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from engagements.access import visible_engagements
from engagements.gates.evidence import evidence_add_file
from engagements.gates.services import gate_sign
from engagements.models import (
    ActivityEvent,
    Checkpoint,
    Engagement,
    GateSignOff,
    GeneralAcknowledgement,
    Membership,
    Role,
    ShareLink,
    Task,
    TaskComment,
    TaskEvidence,
)
from engagements.services.share_links import share_link_create
from engagements.sync.services import SCOPE_FIELDS, scope_preview, version_preview
from notifications.models import Notification
from responsibilities.models import Party, Phase, Responsibility
from responsibilities.publishing import catalogue_publish
from webhooks.models import Webhook

from .factories import (
    acknowledge_general,
    catalogue_ensure,
    make_engagement,
    make_other_engagement,
    make_persona,
    make_team_engagement,
    make_user,
    tick_with_evidence,
)
from .shared import shared_rows

OK, FORBIDDEN, NOT_FOUND, TO_LOGIN = "ok", 403, 404, "login"


def snapshot(engagement):
    """Every row an action on the engagement could write, in a stable order."""

    def rows(queryset):
        return sorted(queryset.values(), key=lambda row: row["id"])

    ours = Q(engagement=engagement)
    return {
        "tasks": rows(Task.objects.filter(ours)),
        "memberships": rows(Membership.objects.filter(ours)),
        "checkpoints": rows(Checkpoint.objects.filter(ours)),
        "attendees": sorted(
            Checkpoint.attendees.through.objects.filter(
                checkpoint__engagement=engagement
            ).values_list("checkpoint_id", "user_id")
        ),
        "share links": rows(ShareLink.objects.filter(ours)),
        "notifications": rows(
            Notification.objects.filter(
                ours | Q(task__engagement=engagement) | Q(checkpoint__engagement=engagement)
            )
        ),
        "events": rows(ActivityEvent.objects.filter(ours)),
        "evidence": rows(TaskEvidence.objects.filter(task__engagement=engagement)),
        "comments": rows(TaskComment.objects.filter(task__engagement=engagement)),
        "acknowledgements": rows(GeneralAcknowledgement.objects.filter(ours)),
        "engagement": rows(type(engagement).objects.filter(pk=engagement.pk)),
        "catalogue": rows(Responsibility.objects.all()),
    }


ROLES = ["customer manager", "microsoft manager", "customer viewer", "lead", "admin", "outsider"]


def build_world():
    """Fabrikam as conftest.py's `engagement` has it, with a staff lead who reads everything,
    a share link, a customer colleague and a stored file as evidence; Northwind is Otto's."""
    catalogue_ensure()
    carla, miguel, vera, ada = map(make_persona, ["carla", "miguel", "vera", "ada"])
    engagement = make_team_engagement(carla=carla, miguel=miguel, vera=vera, ada=ada)
    otto = make_persona("otto")
    make_other_engagement(otto=otto, ada=ada)
    lead = make_user("leo")
    lead.user_permissions.add(Permission.objects.get(codename="view_all_engagements"))
    tomorrow = timezone.localdate() + datetime.timedelta(days=30)
    link, _token = share_link_create(
        engagement=engagement, user=carla, label="Comitê", expires_on=tomorrow
    )
    customer_colleague = make_user("cecilia")
    colleague = Membership.objects.create(
        engagement=engagement, user=customer_colleague, party=Party.CUSTOMER, role=Role.VIEWER
    )
    customer_task = engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    evidence = evidence_add_file(
        task=customer_task,
        user=carla,
        upload=SimpleUploadedFile("ata.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    return {
        "engagement": engagement,
        "evidence": evidence,
        "users": {
            "customer manager": carla,
            "microsoft manager": miguel,
            "customer viewer": vera,
            "lead": lead,
            "admin": ada,
            "outsider": otto,
        },
        "customer_task": customer_task,
        "microsoft_task": engagement.tasks.filter(
            party=Party.MICROSOFT, phase__isnull=False
        ).first(),
        "share_link": link,
        "colleague": colleague,
    }


world = shared_rows("world", build_world)


def url(name, world, *extra):
    return reverse(name, args=[world["engagement"].pk, *extra])


def tick(task_key):
    def act(client, world):
        task = world[task_key]
        return client.post(url("task-set-done", world, task.pk), {"done": "1"})

    return act


def note(task_key):
    def act(client, world):
        task = world[task_key]
        return client.post(url("task-set-note", world, task.pk), {"note": "Verificado"})

    return act


def assign_owner(task_key, owner_of):
    def act(client, world):
        task, owner = world[task_key], owner_of(world)
        return client.post(url("task-set-owner", world, task.pk), {"owner": owner.pk})

    return act


def bulk_tick(task_key):
    def act(client, world):
        tasks = world["engagement"].tasks.filter(party=world[task_key].party, phase__isnull=False)[
            :3
        ]
        return client.post(
            url("tasks-bulk", world), {"action": "done", "tasks": [t.pk for t in tasks]}
        )

    return act


def add_evidence(task_key):
    def act(client, world):
        task = world[task_key]
        return client.post(url("evidence-add", world, task.pk), {"url": "https://example.com/ata"})

    return act


def download_evidence(client, world):
    evidence = world["evidence"]
    return client.get(url("evidence-download", world, evidence.task_id, evidence.pk))


def comment(client, world):
    task = world["microsoft_task"]
    return client.post(url("comment-add", world, task.pk), {"body": "Quando?"})


def suggest_members(client, world):
    return client.get(url("mention-suggestions", world), {"q": "a"})


def due_date(client, world):
    task = world["microsoft_task"]
    return client.post(url("task-set-due-date", world, task.pk), {"due_date": "2026-12-20"})


def schedule_checkpoint(client, world):
    start = timezone.localtime() + datetime.timedelta(days=3)
    return client.post(
        url("checkpoint-new", world),
        {
            "title": "Chamada",
            "kind": "checkpoint_call",
            "phase": Phase.objects.get(code="avaliar").pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )


def add_one_off(party):
    def act(client, world):
        return client.post(
            url("task-add", world),
            {
                "party": party,
                "phase": Phase.objects.get(code="avaliar").pk,
                "text": "Revisar o plano",
                "language": "pt-br",
            },
        )

    return act


def invite(client, world):
    return client.post(
        url("engagement-members", world),
        {"email": "nova@example.com", "name": "Nova Pessoa", "role": "viewer"},
    )


def remove_customer_member(client, world):
    return client.post(url("member-remove", world, world["colleague"].pk))


def make_share_link(client, world):
    expires = timezone.localdate() + datetime.timedelta(days=10)
    return client.post(
        url("engagement-share-links", world), {"label": "Diretoria", "expires_on": expires}
    )


def revoke_share_link(client, world):
    return client.post(url("share-link-revoke", world, world["share_link"].pk))


def get(name):
    def act(client, world):
        return client.get(url(name, world))

    return act


def edit_catalogue(client, world):
    item = Responsibility.objects.get(key="customer-avaliar-01")
    return client.post(
        reverse("admin:responsibilities_responsibility_change", args=[item.pk]),
        {
            "key": item.key,
            "party": item.party,
            "phase": item.phase_id,
            "position": item.position,
            "text_pt": item.text_pt,
            "text_en": "Edited",
            "is_active": "on",
        },
    )


def portfolio_lists_it(client, world):
    response = client.get(reverse("portfolio"))
    listed = any(
        row.engagement == world["engagement"] for row in response.context["page"].object_list
    )
    response.status_code = 200 if listed else 404
    return response


# action: (function, events it writes when allowed, expected outcome per role in ROLES order)
RULES = {
    "read the task page": (get("engagement-detail"), False, [OK, OK, OK, OK, OK, NOT_FOUND]),
    "read the dashboard": (get("engagement-dashboard"), False, [OK, OK, OK, OK, OK, NOT_FOUND]),
    "see it in the portfolio": (portfolio_lists_it, False, [OK, OK, OK, OK, OK, NOT_FOUND]),
    "read the members": (get("engagement-members"), False, [OK, OK, OK, OK, OK, NOT_FOUND]),
    "read the audit trail": (get("engagement-audit"), False, [OK, OK, OK, OK, OK, NOT_FOUND]),
    "tick a customer task": (
        tick("customer_task"),
        True,
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "tick a Microsoft task": (
        tick("microsoft_task"),
        True,
        [FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "tick several customer tasks at once": (
        bulk_tick("customer_task"),
        3,
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "tick several Microsoft tasks at once": (
        bulk_tick("microsoft_task"),
        3,
        [FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "add a one-off customer task": (
        add_one_off(Party.CUSTOMER),
        True,
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "add a one-off Microsoft task": (
        add_one_off(Party.MICROSOFT),
        True,
        [FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "give a customer task an owner": (
        assign_owner("customer_task", lambda world: world["colleague"].user),
        True,
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "give a Microsoft task an owner": (
        assign_owner("microsoft_task", lambda world: world["users"]["microsoft manager"]),
        True,
        [FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "add evidence to a customer task": (
        add_evidence("customer_task"),
        True,
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "add evidence to a Microsoft task": (
        add_evidence("microsoft_task"),
        True,
        [FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "download evidence": (download_evidence, False, [OK, OK, OK, OK, OK, NOT_FOUND]),
    "comment on any task": (
        comment,
        True,
        [OK, OK, OK, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    'be suggested and suggest members after "@"': (
        suggest_members,
        False,
        [OK, OK, OK, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "note on the other party's task": (
        note("microsoft_task"),
        True,
        [OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "set a due date on any task": (
        due_date,
        True,
        [OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "schedule a checkpoint": (
        schedule_checkpoint,
        True,
        [OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "invite a member of one's own party": (
        invite,
        True,
        [OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "remove a customer member": (
        remove_customer_member,
        True,
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "make a share link": (
        make_share_link,
        True,
        [OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "revoke a share link": (
        revoke_share_link,
        True,
        [OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "download the audit trail": (
        get("engagement-audit-csv"),
        False,
        [OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "edit the catalogue": (
        edit_catalogue,
        False,
        [TO_LOGIN, TO_LOGIN, TO_LOGIN, TO_LOGIN, OK, TO_LOGIN],
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(RULES))
def test_the_rules_table(client, world, action, role):
    act, writes, outcomes = RULES[action]
    expected = outcomes[ROLES.index(role)]
    client.force_login(world["users"][role])
    before = snapshot(world["engagement"])
    events_before = ActivityEvent.objects.filter(engagement=world["engagement"]).count()
    response = act(client, world)
    events_after = ActivityEvent.objects.filter(engagement=world["engagement"]).count()
    after = snapshot(world["engagement"])
    if expected == OK:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("admin:login"))
        if writes:
            assert events_after == events_before + writes  # one event per task changed
    elif expected == TO_LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == expected
    if expected != OK or not writes and action != "edit the catalogue":
        for table in before:
            assert after[table] == before[table], f"{action} by {role} changed {table}"
    if action == "edit the catalogue" and expected != OK:
        assert Responsibility.objects.get(key="customer-avaliar-01").text_en != "Edited"


def test_the_snapshot_sees_a_change_in_any_table(world):
    """The comparison above would notice a refused write that slipped through anywhere."""
    engagement = world["engagement"]
    before = snapshot(engagement)
    Task.objects.filter(pk=world["customer_task"].pk).update(note="slipped through")
    ShareLink.objects.filter(pk=world["share_link"].pk).update(label="renamed")
    Membership.objects.filter(pk=world["colleague"].pk).update(role=Role.MANAGER)
    after = snapshot(engagement)
    changed = {table for table in before if before[table] != after[table]}
    assert changed == {"tasks", "share links", "memberships"}


OTHER = {Party.CUSTOMER: Party.MICROSOFT, Party.MICROSOFT: Party.CUSTOMER}


@pytest.fixture
def solo(catalogue, carla, miguel, ada):
    """An engagement with no members yet: each test chooses who manages what."""
    return make_engagement(created_by=ada, customer="Solo", intune=True)


def post_tick(client, engagement, task, done="1"):
    return client.post(reverse("task-set-done", args=[engagement.pk, task.pk]), {"done": done})


@pytest.mark.parametrize("party", [Party.CUSTOMER, Party.MICROSOFT])
def test_a_manager_ticks_the_other_party_s_task_on_its_behalf_when_it_has_no_manager(
    client, solo, carla, vera, party
):
    """Both ways round; a viewer of the other party does not count as its manager."""
    other = OTHER[party]
    Membership.objects.create(engagement=solo, user=carla, party=party, role=Role.MANAGER)
    Membership.objects.create(engagement=solo, user=vera, party=other, role=Role.VIEWER)
    task = solo.tasks.filter(party=other, phase__isnull=False).first()
    client.force_login(carla)
    assert post_tick(client, solo, task).status_code == 302
    assert Task.objects.get(pk=task.pk).done
    event = solo.events.get(kind="task_done")
    assert (event.party, event.on_behalf_of, event.actor) == (party, other, carla)
    assert post_tick(client, solo, task, done="0").status_code == 302
    reopened = solo.events.get(kind="task_reopened")
    assert (reopened.party, reopened.on_behalf_of) == (party, other)
    own = solo.tasks.filter(party=party, phase__isnull=False).first()
    assert post_tick(client, solo, own).status_code == 302
    assert solo.events.get(task=own, kind="task_done").on_behalf_of == ""
    page = client.get(reverse("engagement-audit", args=[solo.pk])).content.decode()
    assert "em nome de" in page or "on behalf of" in page


@pytest.mark.parametrize("party", [Party.CUSTOMER, Party.MICROSOFT])
def test_once_the_other_party_has_a_manager_its_tasks_are_refused(
    client, solo, carla, miguel, party
):
    other = OTHER[party]
    Membership.objects.create(engagement=solo, user=carla, party=party, role=Role.MANAGER)
    Membership.objects.create(engagement=solo, user=miguel, party=other, role=Role.MANAGER)
    task = solo.tasks.filter(party=other, phase__isnull=False).first()
    client.force_login(carla)
    before = snapshot(solo)
    assert post_tick(client, solo, task).status_code == 403
    assert snapshot(solo) == before
    # The same manager's own party's tasks are still theirs.
    assert (
        post_tick(
            client, solo, solo.tasks.filter(party=party, phase__isnull=False).first()
        ).status_code
        == 302
    )


@pytest.mark.parametrize("party", [Party.CUSTOMER, Party.MICROSOFT])
def test_a_viewer_never_ticks_even_when_no_one_manages(client, solo, vera, party):
    Membership.objects.create(engagement=solo, user=vera, party=party, role=Role.VIEWER)
    client.force_login(vera)
    before = snapshot(solo)
    for task_party in (party, OTHER[party]):
        task = solo.tasks.filter(party=task_party, phase__isnull=False).first()
        assert post_tick(client, solo, task).status_code == 403
    assert snapshot(solo) == before
    page = client.get(reverse("engagement-detail", args=[solo.pk])).content.decode()
    assert "/done/" not in page  # and no tick button either


def test_the_buttons_follow_the_rules(client, world):
    client.force_login(world["users"]["customer manager"])
    html = client.get(url("engagement-detail", world)).content.decode()
    customer, microsoft = world["customer_task"], world["microsoft_task"]
    assert url("task-set-done", world, customer.pk) in html
    assert url("task-set-done", world, microsoft.pk) not in html
    assert url("task-set-note", world, microsoft.pk) in html
    client.force_login(world["users"]["lead"])
    html = client.get(url("engagement-detail", world)).content.decode()
    assert "/done/" not in html and "/note/" not in html
    assert url("engagement-share-links", world) not in html


def test_staff_without_superuser_powers_read_every_engagement(client, world):
    client.force_login(make_user("stella", is_staff=True))
    assert client.get(url("engagement-detail", world)).status_code == 200
    assert portfolio_lists_it(client, world).status_code == 200
    assert tick("customer_task")(client, world).status_code == 403


def test_no_one_signed_out_sees_any_engagement(world):
    assert not visible_engagements(AnonymousUser()).exists()


def test_a_manager_cannot_remove_themselves(client, world):
    carla = world["users"]["customer manager"]
    own = Membership.objects.get(engagement=world["engagement"], user=carla)
    client.force_login(carla)
    before = snapshot(world["engagement"])
    response = client.post(url("member-remove", world, own.pk))
    assert response.status_code == 403
    assert snapshot(world["engagement"]) == before


def build_gates_world():
    """Iniciar and Avaliar finished; Avaliar signed off by the customer; one Corrigir customer
    task ticked by Microsoft's manager on the customer's behalf (as the service allows while
    the customer has no manager), awaiting the customer's confirmation."""
    world = build_world()
    engagement, users = world["engagement"], world["users"]
    manager = {
        Party.CUSTOMER: users["customer manager"],
        Party.MICROSOFT: users["microsoft manager"],
    }
    acknowledge_general(engagement, *manager.values())
    for task in engagement.tasks.filter(phase__code__in=["iniciar", "avaliar"], done=False):
        tick_with_evidence(task, manager[task.party])
    gate_sign(
        engagement=engagement,
        phase=Phase.objects.get(code="avaliar"),
        user=users["customer manager"],
    )
    behalf = engagement.tasks.filter(phase__code="corrigir", party=Party.CUSTOMER).first()
    tick_with_evidence(behalf, users["microsoft manager"])
    return {**world, "behalf": behalf}


gates_world = shared_rows("gates_world", build_gates_world)


def sign(phase_code, party):
    def act(client, world):
        return client.post(url("gate-sign", world, phase_code), {"party": party})

    return act


def reopen(phase_code):
    def act(client, world):
        return client.post(url("gate-reopen", world, phase_code), {"reason": "Faltou a ata"})

    return act


def confirm(client, world):
    return client.post(url("task-confirm", world, world["behalf"].pk))


def bulk_confirm(client, world):
    return client.post(
        url("tasks-bulk", world), {"action": "confirm", "tasks": [world["behalf"].pk]}
    )


GATE_RULES = {
    "sign off a phase for the customer": (
        sign("iniciar", "customer"),
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "sign off a phase for Microsoft": (
        sign("iniciar", "microsoft"),
        [FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "reopen a signed phase": (
        reopen("avaliar"),
        [OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "confirm a tick made on the customer's behalf": (
        confirm,
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "confirm such ticks at once": (
        bulk_confirm,
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(GATE_RULES))
def test_the_gate_rules(client, gates_world, action, role):
    """The README's rows for gates and confirmations; each allowed one writes one event."""
    act, outcomes = GATE_RULES[action]
    expected = outcomes[ROLES.index(role)]
    engagement = gates_world["engagement"]
    client.force_login(gates_world["users"][role])
    before = snapshot(engagement)
    sign_offs_before = list(GateSignOff.objects.filter(gate__engagement=engagement).values())
    events_before = ActivityEvent.objects.filter(engagement=engagement).count()
    response = act(client, gates_world)
    if expected == OK:
        assert response.status_code == 302
        assert ActivityEvent.objects.filter(engagement=engagement).count() == events_before + 1
    else:
        assert response.status_code == expected
        assert snapshot(engagement) == before, f"{action} by {role} changed something"
        assert (
            list(GateSignOff.objects.filter(gate__engagement=engagement).values())
            == sign_offs_before
        )


def acknowledge(party):
    def act(client, world):
        return client.post(url("general-acknowledge", world), {"party": party})

    return act


ACKNOWLEDGEMENT_RULES = {
    "acknowledge the customer's general responsibilities": (
        acknowledge("customer"),
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
    "acknowledge Microsoft's general responsibilities": (
        acknowledge("microsoft"),
        [FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
    ),
}


def build_versions_world():
    """Version 2 of the catalogue adds a customer item to Avaliar."""
    world = build_world()
    Responsibility.objects.create(
        key="customer-avaliar-07",
        party=Party.CUSTOMER,
        phase=Phase.objects.get(code="avaliar"),
        position=26,
        text_pt="Revise o plano de migração com a Microsoft.",
        text_en="Review the migration plan with Microsoft.",
    )
    return {**world, "version": catalogue_publish(note="Avaliar", actor=world["users"]["admin"])}


versions_world = shared_rows("versions_world", build_versions_world)


def bring_in_the_update(client, world):
    preview = version_preview(Engagement.objects.get(pk=world["engagement"].pk), world["version"])
    return client.post(
        url("engagement-catalogue", world),
        {
            "version": world["version"].number,
            "plan": preview.plan.fingerprint,
            "items": [entry.key for entry in preview.plan.actionable],
        },
    )


def scope_with_mam(engagement):
    scope = {name: getattr(engagement, name) for name in SCOPE_FIELDS} | {"mam": True}
    return {name: "on" for name, value in scope.items() if value is True} | {
        "licence_count": scope["licence_count"]
    }


def preview_a_scope_change(client, world):
    return client.get(
        url("engagement-scope", world), scope_with_mam(world["engagement"]) | {"preview": "1"}
    )


def change_the_scope(client, world):
    engagement = Engagement.objects.get(pk=world["engagement"].pk)
    preview = scope_preview(
        engagement, {name: getattr(engagement, name) for name in SCOPE_FIELDS} | {"mam": True}
    )
    return client.post(
        url("engagement-scope", world),
        scope_with_mam(engagement) | {"plan": preview.plan.fingerprint},
    )


PLANNER_RULES = {
    "preview a catalogue update": (
        get("engagement-catalogue"),
        0,
        [OK, OK, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND],
    ),
    # One event for the task it adds, one for the engagement's new version.
    "bring a catalogue update in": (
        bring_in_the_update,
        2,
        [OK, OK, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND],
    ),
    "preview a scope change": (
        preview_a_scope_change,
        0,
        [OK, OK, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND],
    ),
    # The engagement's change, and one event for each of the 5 MAM tasks it adds.
    "change the scope": (change_the_scope, 6, [OK, OK, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND]),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACKNOWLEDGEMENT_RULES))
def test_the_acknowledgement_rules(client, world, action, role):
    """The README's rows for the general responsibilities; an allowed one writes one event."""
    act, outcomes = ACKNOWLEDGEMENT_RULES[action]
    expected = outcomes[ROLES.index(role)]
    engagement = world["engagement"]
    client.force_login(world["users"][role])
    before = snapshot(engagement)
    response = act(client, world)
    if expected == OK:
        assert response.status_code == 302
        assert GeneralAcknowledgement.objects.filter(engagement=engagement).count() == 1
        assert engagement.events.filter(kind="general_acknowledged").count() == 1
    else:
        assert response.status_code == expected
        assert snapshot(engagement) == before, f"{action} by {role} changed something"


WEBHOOK_RULE = [OK, OK, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND]


@pytest.mark.parametrize("role", ROLES)
def test_the_webhook_rule(client, world, role, settings):
    """The README's row for webhooks: managers of the engagement and staff register one."""
    expected = WEBHOOK_RULE[ROLES.index(role)]
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # no lookup leaves the machine
    user, engagement = world["users"][role], world["engagement"]
    client.force_login(user)
    form = {"url": "https://127.0.0.1:9/hook", "secret": "s" * 32, "engagement": engagement.pk}
    response = client.post(reverse("webhooks"), form)
    if expected == OK:
        assert response.status_code == 302
        assert Webhook.objects.filter(owner=user, engagement=engagement).count() == 1
    else:
        assert response.status_code == expected
        assert not Webhook.objects.exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(PLANNER_RULES))
def test_the_planner_rules(client, versions_world, action, role):
    """The README's rows for catalogue updates and scope changes: managers of either party and
    staff; a refusal or a preview changes nothing, and an apply writes its events."""
    act, writes, outcomes = PLANNER_RULES[action]
    expected = outcomes[ROLES.index(role)]
    engagement = versions_world["engagement"]
    client.force_login(versions_world["users"][role])
    before = snapshot(engagement)
    events_before = ActivityEvent.objects.filter(engagement=engagement).count()
    response = act(client, versions_world)
    if expected == OK:
        assert response.status_code in (200, 302), response.status_code
        events = ActivityEvent.objects.filter(engagement=engagement).count()
        assert events == events_before + writes
    else:
        assert response.status_code == expected
    if expected != OK or not writes:
        assert snapshot(engagement) == before, f"{action} by {role} changed something"
