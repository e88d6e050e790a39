"""The engagement page and the list: what they show, who may see them, and what they cost."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from engagements.access import visible_engagement_count, visible_engagements
from engagements.gates.evidence import comment_add, evidence_add_file, evidence_add_link
from engagements.models import Engagement, Membership, Role
from engagements.services.tasks import task_set_done, task_set_note
from engagements.status.selectors import engagement_progress
from responsibilities.models import Party

from .factories import add_tasks, make_checkpoint, make_engagement, make_user, tick


def detail(engagement):
    return reverse("engagement-detail", args=[engagement.pk])


def test_tasks_are_grouped_by_phase_then_party_with_sub_items_under_parents(
    client, carla, engagement
):
    client.force_login(carla)
    response = client.get(detail(engagement))
    groups = response.context["groups"]
    order = [(g.phase.code if g.phase else None, g.party, g.section) for g in groups]
    # The phases' work first; the standing commitments after it.
    assert [(phase, party) for phase, party, section in order] == [
        ("iniciar", "customer"),
        ("iniciar", "microsoft"),
        ("avaliar", "customer"),
        ("avaliar", "microsoft"),
        ("corrigir", "customer"),
        ("corrigir", "microsoft"),
        ("habilitar", "customer"),
        *[("habilitar", "microsoft")] * 5,
        (None, "customer"),
        (None, "microsoft"),
    ]
    assert [section for phase, party, section in order[-7:-2]] == [
        "core",
        "aad_premium",
        "aad_premium_features",
        "intune",
        "azure_rms",
    ]
    intune = next(g for g in groups if g.section == "intune")
    keys = [t.responsibility.key for t in intune.tasks]
    at = keys.index("microsoft-habilitar-intune-05")
    assert keys[at : at + 4] == [
        "microsoft-habilitar-intune-05",
        "microsoft-habilitar-intune-05-a",
        "microsoft-habilitar-intune-05-b",
        "microsoft-habilitar-intune-05-b-i",
    ]


def test_page_shows_state_who_ticked_due_date_note_and_activity(client, carla, engagement):
    task = engagement.tasks.get(responsibility__key="customer-iniciar-01")
    task_set_done(task=task, user=carla, done=True)
    task_set_note(task=task, user=carla, note="Reunião marcada <b>hoje</b>")
    client.force_login(carla)
    html = client.get(detail(engagement)).content.decode()
    row = html[html.index(f'id="task-{task.pk}"') :]
    row = row[: row.index("</li>")]
    assert 'aria-pressed="true"' in row
    assert "Carla" in row
    assert "Reunião marcada &lt;b&gt;hoje&lt;/b&gt;" in row
    activity = html[html.index('id="activity"') :]
    assert activity.count("<li>") == 4  # created, planned (the baseline), done, note


def test_progress_is_counted_per_phase_and_party_from_the_tasks(engagement, carla):
    avaliar = list(engagement.tasks.filter(phase__code="avaliar", party=Party.CUSTOMER))
    for task in avaliar[:4]:
        tick(task, carla)
    progress = engagement_progress(engagement, timezone.now())
    row = next(p for p in progress.phases if p.phase and p.phase.code == "avaliar")
    customer, microsoft = row.by_party["customer"], row.by_party["microsoft"]
    assert (customer.done, customer.total) == (4, 6)
    assert (microsoft.done, microsoft.total) == (0, 8)  # 4 items and 4 sub-items
    assert customer.percent == 67
    assert progress.overall.done == 4
    # The general responsibilities are standing commitments, not progress.
    assert progress.overall.total == engagement.tasks.exclude(phase=None).count()


def test_viewer_sees_the_page_without_controls(client, vera, engagement):
    client.force_login(vera)
    html = client.get(detail(engagement)).content.decode()
    assert "task-set-done" not in html
    assert "/done/" not in html and "/note/" not in html and "/due-date/" not in html


def test_manager_sees_the_controls(client, carla, engagement):
    client.force_login(carla)
    html = client.get(detail(engagement)).content.decode()
    # Carla manages for the customer, and Microsoft has its own manager: she ticks only
    # customer tasks (each form names its address twice, as action and hx-post).
    assert (
        html.count("/done/")
        == 2 * engagement.tasks.filter(party="customer", phase__isnull=False).count()
    )


def test_outsider_gets_404(client, otto, engagement):
    client.force_login(otto)
    response = client.get(detail(engagement))
    assert response.status_code == 404
    assert engagement.customer not in response.content.decode()


def test_anonymous_is_sent_to_login(client, engagement):
    response = client.get(detail(engagement))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_shows_only_my_engagements(client, otto, engagement, other_engagement):
    client.force_login(otto)
    html = client.get(reverse("engagement-list")).content.decode()
    assert "Northwind" in html
    assert "Fabrikam" not in html


def test_the_visible_engagements_are_counted_as_the_list_holds_them(
    carla, otto, ada, engagement, other_engagement
):
    lead = make_user("lia")
    lead.user_permissions.add(Permission.objects.get(codename="view_all_engagements"))
    Membership.objects.create(engagement=other_engagement, user=carla, party=Party.CUSTOMER)
    people = [carla, otto, ada, get_user_model().objects.get(pk=lead.pk), make_user("nina")]
    for person in [*people, AnonymousUser()]:
        assert visible_engagement_count(person) == visible_engagements(person).count()
    assert [visible_engagement_count(person) for person in people] == [2, 1, 2, 2, 0]


def test_the_list_is_paged_searched_and_counts_phase_tasks(
    client, carla, engagement, django_assert_num_queries
):
    Engagement.objects.bulk_create(
        Engagement(
            customer=f"Cliente {index:02}",
            intune=True,
            licence_count=500,
            purchase_date=datetime.date(2026, 1, 1),
            start_date=datetime.date(2026, 2, 1),
        )
        for index in range(60)
    )
    Membership.objects.bulk_create(
        Membership(engagement=e, user=carla, party="customer")
        for e in Engagement.objects.filter(customer__startswith="Cliente")
    )
    client.force_login(carla)
    # session, user, profile, the user's and groups' permissions, the count, the page
    with django_assert_num_queries(7):
        first = client.get(reverse("engagement-list")).context["page"]
    assert (len(first.object_list), first.count, first.has_next()) == (50, 61, True)
    # The next page reads the rows after the last one shown, whatever page it is.
    with django_assert_num_queries(7):
        second = client.get(f"{reverse('engagement-list')}?{first.next_link()}").context["page"]
    assert [e.customer for e in second.object_list][-1] == "Fabrikam"
    assert (second.start, second.end, second.has_next()) == (51, 61, False)
    last = client.get(f"{reverse('engagement-list')}?{first.last_link()}").context["page"]
    assert [e.pk for e in last.object_list] == [e.pk for e in second.object_list]
    assert (
        "Linhas 51–61 de 61" in client.get(reverse("engagement-list"), {"last": 1}).content.decode()
    )
    # A search is counted by itself, not as all of Carla's engagements.
    assert client.get(reverse("engagement-list"), {"q": "cliente"}).context["page"].count == 60
    found = client.get(reverse("engagement-list"), {"q": "fabri"})
    (row,) = found.context["engagements"]
    phase_tasks = engagement.tasks.exclude(phase=None)
    assert (row.tasks_done, row.tasks_total) == (0, phase_tasks.count())
    nothing = client.get(reverse("engagement-list"), {"q": "nowhere"}).content.decode()
    assert "Nenhum engajamento encontrado." in nothing


@pytest.mark.parametrize("task_count", [10, 50])
def test_engagement_page_queries_do_not_grow_with_tasks(
    client, carla, ada, catalogue, django_assert_num_queries, task_count
):
    engagement = Engagement.objects.create(
        customer="Sized",
        aad_premium=True,
        licence_count=200,
        purchase_date="2026-01-01",
        start_date="2026-01-02",
    )
    Membership.objects.create(
        engagement=engagement, user=carla, party="customer", role=Role.MANAGER
    )
    add_tasks(engagement, task_count, done_by=carla)
    # A file, a link and a comment on every tenth task: a tenth of the tasks carry a thread.
    for task in list(engagement.tasks.order_by("pk"))[::10]:
        evidence_add_file(
            task=task,
            user=carla,
            upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n"),
        )
        evidence_add_link(task=task, user=carla, url="https://example.com/plan")
        comment_add(task=task, user=carla, body="ok")
    client.force_login(carla)
    # session, user, profile, engagement, membership, tasks, evidence, comments, phases,
    # progress counts, sign-offs, general responsibilities per party, acknowledgements,
    # checkpoints, activity, the tenant's latest reading (none: its two other queries not made)
    with django_assert_num_queries(16):
        response = client.get(detail(engagement))
    assert sum(len(g.tasks) for g in response.context["groups"]) == task_count
    assert response.content.decode().count('class="evidence-list"') == task_count // 10


@pytest.mark.parametrize("engagement_count", [2, 20])
def test_list_queries_do_not_grow_with_engagements(
    client, carla, ada, catalogue, django_assert_num_queries, engagement_count
):
    for index in range(engagement_count):
        engagement = make_engagement(created_by=ada, customer=f"Customer {index}")
        Membership.objects.create(engagement=engagement, user=carla, party="customer")
    client.force_login(carla)
    # session, user, profile, the user's and groups' permissions, engagements with counts
    with django_assert_num_queries(6):
        response = client.get(reverse("engagement-list"))
    assert len(response.context["engagements"]) == engagement_count


@pytest.mark.parametrize("checkpoint_count", [1, 6])
def test_engagement_page_queries_do_not_grow_with_checkpoints(
    client, carla, engagement, checkpoint_count, django_assert_num_queries
):
    for day in range(checkpoint_count):
        make_checkpoint(
            engagement,
            carla,
            starts_at=timezone.now() + datetime.timedelta(days=day + 2),
            attendees=[carla],
        )
    client.force_login(carla)
    # As above, with the tenant's latest reading and the baseline's phase names.
    with django_assert_num_queries(17):
        response = client.get(detail(engagement))
    assert len(response.context["checkpoints"].upcoming) == checkpoint_count
