"""Task owners: who may give a task to whom, what the owner is told, and what the trail keeps."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from engagements.models import ActivityEvent, EventKind, Membership, Role, Task
from engagements.services.members import member_remove
from engagements.services.tasks import task_set_owner
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.sending import notification_send
from responsibilities.models import Party

from .factories import make_user


@pytest.fixture
def customer_task(engagement):
    return engagement.tasks.filter(party=Party.CUSTOMER, phase__code="avaliar").first()


@pytest.fixture
def colleague(engagement):
    user = make_user("cecilia")
    Membership.objects.create(
        engagement=engagement, user=user, party=Party.CUSTOMER, role=Role.VIEWER
    )
    return user


def owner_url(task):
    return reverse("task-set-owner", args=[task.engagement_id, task.pk])


def test_a_manager_gives_a_task_to_a_member_of_its_party(client, carla, colleague, customer_task):
    client.force_login(carla)
    response = client.post(owner_url(customer_task), {"owner": colleague.pk})
    assert response.status_code == 302
    customer_task.refresh_from_db()
    assert customer_task.owner == colleague
    event = ActivityEvent.objects.get(kind=EventKind.OWNER_CHANGED)
    assert event.changes == {"old": None, "new": {"id": colleague.pk, "name": "Cecilia"}}
    assert (event.actor, event.task) == (carla, customer_task)
    note = Notification.objects.get(kind=NotificationKind.TASK_ASSIGNED)
    assert (note.recipient, note.task) == (colleague, customer_task)
    page = client.get(reverse("engagement-detail", args=[customer_task.engagement_id]))
    assert "responsável: Cecilia" in page.content.decode()


def test_the_owner_is_emailed_in_their_language_with_the_task_due_date_and_link(
    carla, colleague, customer_task
):
    Profile.objects.create(user=colleague, language="en")
    Task.objects.filter(pk=customer_task.pk).update(due_date="2026-12-15")
    customer_task.refresh_from_db()
    task_set_owner(task=customer_task, user=carla, owner=colleague)
    note = Notification.objects.get(kind=NotificationKind.TASK_ASSIGNED)
    assert notification_send(notification_id=note.pk) == NotificationStatus.SENT
    (message,) = mail.outbox
    assert message.to == ["cecilia@example.com"]
    assert message.subject.startswith("Assigned to you: ")
    assert customer_task.text_en in message.body
    assert "15 Dec 2026" in message.body
    assert f"/engagements/{customer_task.engagement_id}/#task-{customer_task.pk}" in message.body


def test_taking_a_task_oneself_sends_no_email(carla, customer_task):
    task_set_owner(task=customer_task, user=carla, owner=carla)
    assert not Notification.objects.filter(kind=NotificationKind.TASK_ASSIGNED).exists()
    assert ActivityEvent.objects.filter(kind=EventKind.OWNER_CHANGED).count() == 1


def test_a_note_for_a_task_given_to_someone_else_meanwhile_is_not_sent(
    carla, colleague, customer_task
):
    task_set_owner(task=customer_task, user=carla, owner=colleague)
    task_set_owner(task=customer_task, user=carla, owner=carla)
    note = Notification.objects.get(kind=NotificationKind.TASK_ASSIGNED)
    assert notification_send(notification_id=note.pk) == NotificationStatus.WITHDRAWN
    assert mail.outbox == []


def test_a_member_of_the_other_party_cannot_own_the_task(client, carla, miguel, customer_task):
    client.force_login(carla)
    before = ActivityEvent.objects.count()
    response = client.post(owner_url(customer_task), {"owner": miguel.pk}, follow=True)
    assert "Só um membro da parte da tarefa" in response.content.decode()
    customer_task.refresh_from_db()
    assert customer_task.owner is None
    assert ActivityEvent.objects.count() == before
    with pytest.raises(ValidationError):
        task_set_owner(task=customer_task, user=carla, owner=miguel)


def test_someone_outside_the_engagement_cannot_own_the_task(carla, otto, customer_task):
    with pytest.raises(ValidationError):
        task_set_owner(task=customer_task, user=carla, owner=otto)
    customer_task.refresh_from_db()
    assert customer_task.owner is None


def test_the_same_owner_again_changes_nothing(carla, colleague, customer_task):
    task_set_owner(task=customer_task, user=carla, owner=colleague)
    task_set_owner(task=customer_task, user=carla, owner=colleague)
    assert ActivityEvent.objects.filter(kind=EventKind.OWNER_CHANGED).count() == 1


def test_a_removed_member_s_tasks_lose_their_owner_each_with_an_event(carla, colleague, engagement):
    tasks = list(
        engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).order_by("pk")[:3]
    )
    for task in tasks:
        task_set_owner(task=task, user=carla, owner=colleague)
    member_remove(membership=colleague.memberships.get(), removed_by=carla)
    assert not Task.objects.filter(owner=colleague).exists()
    released = ActivityEvent.objects.filter(kind=EventKind.OWNER_CHANGED, changes__new=None)
    assert sorted(e.task_id for e in released) == [t.pk for t in tasks]
    assert {e.actor for e in released} == {carla}
    call_command("verify_audit")


def test_verify_audit_notices_an_owner_changed_behind_the_trail(carla, colleague, customer_task):
    task_set_owner(task=customer_task, user=carla, owner=colleague)
    Task.objects.filter(pk=customer_task.pk).update(owner=carla)
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_the_task_page_lists_only_the_party_s_members_as_owners(
    client, carla, colleague, miguel, customer_task
):
    client.force_login(carla)
    html = client.get(reverse("engagement-detail", args=[customer_task.engagement_id])).content
    select = html.decode().split(f'id="owner-{customer_task.pk}"')[1].split("</select>")[0]
    assert f'value="{colleague.pk}"' in select and f'value="{carla.pk}"' in select
    assert f'value="{miguel.pk}"' not in select


def test_the_owner_shows_in_the_trail_in_either_language(client, carla, colleague, customer_task):
    task_set_owner(task=customer_task, user=carla, owner=colleague)
    client.force_login(carla)
    audit = reverse("engagement-audit", args=[customer_task.engagement_id])
    assert "responsável: – → Cecilia" in client.get(audit).content.decode()
    Profile.objects.create(user=carla, language="en")
    assert "owner: – → Cecilia" in client.get(audit).content.decode()


def test_the_dashboard_says_whom_a_due_task_waits_on(client, carla, colleague, customer_task):
    Task.objects.filter(pk=customer_task.pk).update(due_date=timezone.localdate())
    customer_task.refresh_from_db()
    client.force_login(carla)
    dashboard = reverse("engagement-dashboard", args=[customer_task.engagement_id])
    assert "(aguardando o cliente)" in client.get(dashboard).content.decode()
    task_set_owner(task=customer_task, user=carla, owner=colleague)
    assert "(aguardando Cecilia (Cliente))" in client.get(dashboard).content.decode()


def test_removing_a_member_twice_at_once_records_one_removal(carla, colleague, engagement):
    membership = colleague.memberships.get()
    stale = Membership.objects.get(pk=membership.pk)
    member_remove(membership=membership, removed_by=carla)
    member_remove(membership=stale, removed_by=carla)
    assert ActivityEvent.objects.filter(kind=EventKind.MEMBER_REMOVED).count() == 1


def bulk_owner_options(client, engagement) -> set[str]:
    """The people the bulk form's owner list offers, by name."""
    page = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    form = page[page.index('id="bulk-form"') :]
    owners = form[form.index('name="owner"') : form.index("</select>", form.index('name="owner"'))]
    return set(re.findall(r'<option value="\d+">([^<]+)</option>', owners))


def test_the_bulk_owner_list_offers_only_the_people_of_the_party_one_may_change(
    client, carla, vera, miguel, engagement
):
    """Microsoft has a manager, so Carla changes only the customer's tasks: Miguel, whom the
    rules would refuse as owner of any of them, is not offered."""
    client.force_login(carla)
    assert bulk_owner_options(client, engagement) == {"Carla", "Vera"}
    client.force_login(miguel)
    assert bulk_owner_options(client, engagement) == {"Miguel"}


def test_the_bulk_owner_list_offers_both_parties_while_the_other_has_no_manager(
    client, otto, other_engagement
):
    engineer = make_user("enzo")
    Membership.objects.create(
        engagement=other_engagement, user=engineer, party=Party.MICROSOFT, role=Role.VIEWER
    )
    client.force_login(otto)
    assert bulk_owner_options(client, other_engagement) == {"Otto", "Enzo"}
