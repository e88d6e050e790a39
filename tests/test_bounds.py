"""Every value a person types is bounded: dates to a sane window, single-line text without
control characters, free text to a length. Forms and services both refuse, and refusing changes
nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Profile
from engagements.gates.evidence import comment_add
from engagements.meetings.services import checkpoint_schedule
from engagements.models import Checkpoint, Engagement, TaskComment
from engagements.services.engagements import engagement_create
from engagements.services.members import member_invite
from engagements.services.share_links import share_link_create
from engagements.services.tasks import task_set_done, task_set_due_date, task_set_note
from engagements.views.forms import ShareLinkForm
from responsibilities.models import Party, Phase

from .factories import at
from .test_security import state

CLOCK_START = "2026-11-02 12:00"
LAST_ALLOWED_DAY = datetime.date(2036, 11, 2)  # today + 10 years
CONTROL = ["\r\n", "\n", "\x1b[31m", "\x7f", "\u202e", "\u202a", "\u2066", "\u2069"]


@pytest.fixture
def manager(clock, client, carla):
    """Carla, signed in, working in English from São Paulo (UTC-3)."""
    Profile.objects.update_or_create(
        user=carla, defaults={"language": "en", "time_zone": "America/Sao_Paulo"}
    )
    client.force_login(carla)
    return client


def checkpoint_post(**changes):
    return {
        "title": "Chamada",
        "kind": "checkpoint_call",
        "phase": Phase.objects.get(code="avaliar").pk,
        "starts_at": "2026-11-10T10:00",
        "ends_at": "2026-11-10T11:00",
        **changes,
    }


def schedule(engagement, user, **changes):
    details = {
        "phase": Phase.objects.get(code="avaliar"),
        "kind": "checkpoint_call",
        "title": "Chamada",
        "starts_at": at("2026-11-10 10:00"),
        "ends_at": at("2026-11-10 11:00"),
        "attendees": [user],
        **changes,
    }
    return checkpoint_schedule(engagement=engagement, user=user, **details)


def form_errors(response) -> dict:
    return response.context["form"].errors


# Dates and times.


def test_a_far_future_checkpoint_from_utc_minus_3_is_refused_and_pages_still_answer(
    manager, engagement
):
    e = engagement.pk
    before = state(engagement)
    response = manager.post(
        reverse("checkpoint-new", args=[e]),
        checkpoint_post(starts_at="9999-12-31T22:00", ends_at="9999-12-31T23:00"),
    )
    assert response.status_code == 200
    assert "Choose a date from 1 Jan 2000 to 2 Nov 2036." in form_errors(response)["starts_at"]
    assert state(engagement) == before
    for page in ("engagement-detail", "engagement-dashboard", "engagement-audit"):
        assert manager.get(reverse(page, args=[e])).status_code == 200, page
    assert manager.get(reverse("portfolio")).status_code == 200


def test_the_service_refuses_a_far_future_checkpoint(clock, engagement, carla):
    with pytest.raises(ValidationError) as refused:
        schedule(
            engagement,
            carla,
            starts_at=at("9999-12-31 22:00"),
            ends_at=at("9999-12-31 23:00"),
        )
    assert set(refused.value.message_dict) == {"starts_at", "ends_at"}
    assert not Checkpoint.objects.exists()


def test_a_checkpoint_lasts_at_most_24_hours(manager, clock, engagement, carla):
    too_long = {"starts_at": "2026-11-10T10:00", "ends_at": "2026-11-11T10:01"}
    response = manager.post(
        reverse("checkpoint-new", args=[engagement.pk]), checkpoint_post(**too_long)
    )
    assert "A checkpoint can last at most 24 hours." in form_errors(response)["ends_at"]
    with pytest.raises(ValidationError, match="at most 24 hours"):
        schedule(engagement, carla, ends_at=at("2026-11-11 10:01"))
    schedule(engagement, carla, ends_at=at("2026-11-11 10:00"))
    assert Checkpoint.objects.count() == 1


def test_due_dates_end_ten_years_ahead(manager, engagement, carla):
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    url = reverse("task-set-due-date", args=[engagement.pk, task.pk])
    day_after = LAST_ALLOWED_DAY + datetime.timedelta(days=1)
    response = manager.post(url, {"due_date": day_after.isoformat()}, follow=True)
    assert "Choose a date from 1 Jan 2000 to 2 Nov 2036." in response.content.decode()
    task.refresh_from_db()
    assert task.due_date is None
    with pytest.raises(ValidationError) as refused:
        task_set_due_date(task=task, user=carla, due_date=day_after)
    assert "due_date" in refused.value.message_dict
    manager.post(url, {"due_date": LAST_ALLOWED_DAY.isoformat()})
    task.refresh_from_db()
    assert task.due_date == LAST_ALLOWED_DAY


def test_the_service_refuses_a_due_date_before_the_purchase(clock, engagement, carla):
    task = engagement.tasks.exclude(phase=None).first()
    with pytest.raises(ValidationError) as refused:
        task_set_due_date(task=task, user=carla, due_date=datetime.date(2026, 8, 31))
    assert "due_date" in refused.value.message_dict


@pytest.mark.parametrize(
    "field, value",
    [("purchase_date", datetime.date(1999, 12, 31)), ("start_date", datetime.date(9999, 12, 31))],
)
def test_an_engagement_s_dates_are_bounded(clock, ada, field, value):
    dates = {"purchase_date": datetime.date(2026, 9, 1), "start_date": datetime.date(2026, 9, 15)}
    engagement = Engagement(customer="Tailspin", licence_count=500, aad_premium=True)
    for name, day in {**dates, field: value}.items():
        setattr(engagement, name, day)
    with pytest.raises(ValidationError) as refused:
        engagement_create(engagement=engagement, created_by=ada)
    assert field in refused.value.message_dict
    assert not Engagement.objects.filter(customer="Tailspin").exists()


def test_the_share_link_form_refuses_a_far_expiry(clock):
    form = ShareLinkForm({"label": "Diretoria", "expires_on": "9999-12-31"})
    assert not form.is_valid()
    assert "expires_on" in form.errors


# Single-line text.


@pytest.mark.parametrize("control", CONTROL)
def test_single_line_fields_refuse_control_characters(manager, engagement, carla, control):
    before = state(engagement)
    e = engagement.pk
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    posts = [
        ("checkpoint-new", [e], checkpoint_post(title=f"Chamada{control}Bcc: x"), "title"),
        ("checkpoint-new", [e], checkpoint_post(location=f"Sala{control}1"), "location"),
        (
            "engagement-share-links",
            [e],
            {"label": f"Dire{control}toria", "expires_on": "2026-11-20"},
            "label",
        ),
        (
            "engagement-members",
            [e],
            {"email": "nova@example.com", "name": f"Nova{control}Pessoa", "role": "viewer"},
            "name",
        ),
    ]
    for name, args, data, field in posts:
        response = manager.post(reverse(name, args=args), data)
        assert "Use a single line without control characters." in form_errors(response)[field]
    response = manager.post(
        reverse("task-set-done", args=[e, task.pk]), {"done": "1", "reason": f"a{control}b"}
    )
    assert state(engagement) == before

    calls = [
        ("title", lambda: schedule(engagement, carla, title=f"Chamada{control}x")),
        ("location", lambda: schedule(engagement, carla, location=f"Sala{control}1")),
        (
            "label",
            lambda: share_link_create(
                engagement=engagement,
                user=carla,
                label=f"Dire{control}toria",
                expires_on=datetime.date(2026, 11, 20),
            ),
        ),
        (
            "name",
            lambda: member_invite(
                engagement=engagement,
                invited_by=carla,
                party=Party.CUSTOMER,
                email="nova@example.com",
                name=f"Nova{control}Pessoa",
                role="viewer",
            ),
        ),
        ("reason", lambda: task_set_done(task=task, user=carla, done=True, reason=f"a{control}b")),
    ]
    for field, call in calls:
        with pytest.raises(ValidationError) as refused:
            call()
        assert field in refused.value.message_dict, field
    assert state(engagement) == before


@pytest.mark.parametrize("control", CONTROL)
def test_a_customer_name_with_control_characters_is_refused(clock, ada, control):
    engagement = Engagement(
        customer=f"Tail{control}spin",
        licence_count=500,
        aad_premium=True,
        purchase_date=datetime.date(2026, 9, 1),
        start_date=datetime.date(2026, 9, 15),
    )
    with pytest.raises(ValidationError) as refused:
        engagement_create(engagement=engagement, created_by=ada)
    assert "customer" in refused.value.message_dict


def test_a_user_name_with_a_bidi_override_is_refused_in_the_admin(clock, client, ada, carla):
    client.force_login(ada)
    url = reverse("admin:auth_user_change", args=[carla.pk])
    response = client.get(url)
    data = {
        key: value
        for key, value in response.context["adminform"].form.initial.items()
        if value is not None and key not in ("groups", "user_permissions", "password")
    }
    data.update(
        {
            "first_name": "Carla\u202egnp.exe",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "first_name" in response.context["adminform"].form.errors
    carla.refresh_from_db()
    assert carla.first_name == "Carla"


# Lengths.


def test_the_agenda_is_limited_to_5000_characters(manager, engagement, carla):
    before = state(engagement)
    response = manager.post(
        reverse("checkpoint-new", args=[engagement.pk]), checkpoint_post(agenda="a" * 5001)
    )
    assert (
        "Ensure this value has at most 5000 characters (it has 5001)."
        in (form_errors(response)["agenda"])
    )
    with pytest.raises(ValidationError) as refused:
        schedule(engagement, carla, agenda="a" * 5001)
    assert "agenda" in refused.value.message_dict
    assert state(engagement) == before
    response = manager.post(
        reverse("checkpoint-new", args=[engagement.pk]), checkpoint_post(agenda="a" * 5000)
    )
    assert response.status_code == 302
    assert Checkpoint.objects.get().agenda == "a" * 5000


def test_the_note_and_reason_are_limited_in_the_service(clock, engagement, carla):
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    before = state(engagement)
    with pytest.raises(ValidationError) as refused:
        task_set_note(task=task, user=carla, note="n" * 2001)
    assert "note" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        task_set_done(task=task, user=carla, done=True, reason="r" * 501)
    assert "reason" in refused.value.message_dict
    assert state(engagement) == before
    task_set_note(task=task, user=carla, note="n" * 2000)
    task_set_done(task=task, user=carla, done=True, reason="r" * 500)
    task.refresh_from_db()
    assert task.note == "n" * 2000 and task.done


def test_multi_line_text_refuses_control_characters_other_than_line_breaks(
    clock, engagement, carla
):
    task = engagement.tasks.exclude(phase=None).first()
    with pytest.raises(ValidationError) as refused:
        task_set_note(task=task, user=carla, note="a\x00b")
    assert "note" in refused.value.message_dict
    task_set_note(task=task, user=carla, note="line one\r\n\tline two")
    task.refresh_from_db()
    assert task.note == "line one\r\n\tline two"


def test_a_checkpoint_title_is_limited_to_200_characters(manager, engagement, carla):
    before = state(engagement)
    response = manager.post(
        reverse("checkpoint-new", args=[engagement.pk]), checkpoint_post(title="t" * 201)
    )
    assert (
        "Ensure this value has at most 200 characters (it has 201)."
        in (form_errors(response)["title"])
    )
    with pytest.raises(ValidationError) as refused:
        schedule(engagement, carla, title="t" * 201)
    assert "title" in refused.value.message_dict
    assert state(engagement) == before
    schedule(engagement, carla, title="t" * 200)
    assert Checkpoint.objects.get().title == "t" * 200


@pytest.mark.parametrize("bidi", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_multi_line_text_refuses_bidi_controls_in_forms_and_services(
    manager, engagement, carla, bidi
):
    """An override in an agenda, note or comment would make the text display as something
    it is not, as in a name."""
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    before = state(engagement)
    text = f"Revisar o arquivo{bidi}fdp.exe"
    response = manager.post(
        reverse("checkpoint-new", args=[engagement.pk]), checkpoint_post(agenda=text)
    )
    assert "Remove the control characters from this text." in form_errors(response)["agenda"]
    manager.post(reverse("task-set-note", args=[engagement.pk, task.pk]), {"note": text})
    manager.post(reverse("comment-add", args=[engagement.pk, task.pk]), {"body": text})
    for field, call in [
        ("agenda", lambda: schedule(engagement, carla, agenda=text)),
        ("note", lambda: task_set_note(task=task, user=carla, note=text)),
        ("body", lambda: comment_add(task=task, user=carla, body=text)),
    ]:
        with pytest.raises(ValidationError) as refused:
            call()
        assert field in refused.value.message_dict, field
    task.refresh_from_db()
    assert task.note == ""
    assert not TaskComment.objects.exists()
    assert state(engagement) == before
