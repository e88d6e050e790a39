"""Calendar feeds: a private address per person, read here as a calendar program would, with
`icalendar`."""

import datetime
import re

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from accounts.models import CalendarFeed, Profile
from accounts.services import calendar_feed_renew
from engagements.meetings.calendar import checkpoint_uid
from engagements.meetings.feeds import FEED_PAST, task_due_uid
from engagements.meetings.services import checkpoint_cancel
from engagements.models import Membership, Task
from engagements.services.members import member_remove
from engagements.services.tasks import task_set_due_date, task_set_owner
from responsibilities.models import Party

from .factories import add_tasks, at, change_checkpoint, make_checkpoint, make_engagement

CLOCK_START = "2026-10-01 09:00"


def fetch(client, token):
    """The feed as a calendar program fetches it: no session, no cookies."""
    client.logout()
    return client.get(reverse("calendar-feed", args=[token]))


def body(response) -> bytes:
    """The streamed body, read once and kept on the response."""
    if not hasattr(response, "read_body"):
        response.read_body = b"".join(response.streaming_content)
    return response.read_body


def events(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(body(response))
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def feed(clock, engagement, carla, miguel):
    """Carla's feed: a checkpoint call she attends, a task she owns due on 20/10."""
    checkpoint = make_checkpoint(
        engagement, carla, starts_at=at("2026-10-15 10:00"), attendees=[carla, miguel]
    )
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__code="avaliar").first()
    task_set_owner(task=task, user=carla, owner=carla)
    task_set_due_date(task=task, user=carla, due_date=datetime.date(2026, 10, 20))
    return {"token": calendar_feed_renew(user=carla), "checkpoint": checkpoint, "task": task}


def test_the_feed_lists_the_checkpoints_and_the_due_dates_of_owned_tasks(client, feed):
    found = events(fetch(client, feed["token"]))
    call = found[checkpoint_uid(feed["checkpoint"])]
    assert call["summary"] == "Fabrikam: Chamada"
    assert call.decoded("dtstart") == at("2026-10-15 10:00")
    assert int(call["sequence"]) == 0
    assert call["status"] == "CONFIRMED"
    # A feed is not an invitation: no organizer asking for a reply.
    assert "organizer" not in call and "attendee" not in call
    due = found[task_due_uid(feed["task"])]
    assert due.decoded("dtstart") == datetime.date(2026, 10, 20)  # all day
    assert due.decoded("dtend") == datetime.date(2026, 10, 21)
    assert due["summary"].startswith("Fabrikam: Prazo: ")
    assert len(found) == 2


def test_the_feed_is_in_its_owner_s_language(client, feed, carla):
    Profile.objects.create(user=carla, language="en")
    due = events(fetch(client, feed["token"]))[task_due_uid(feed["task"])]
    assert due["summary"].startswith("Fabrikam: Due: ")


def test_a_rescheduled_checkpoint_keeps_its_uid_with_a_higher_sequence(client, feed, carla):
    checkpoint = feed["checkpoint"]
    change_checkpoint(
        checkpoint, carla, starts_at=at("2026-10-16 14:00"), ends_at=at("2026-10-16 15:00")
    )
    call = events(fetch(client, feed["token"]))[checkpoint_uid(checkpoint)]
    assert int(call["sequence"]) == 1
    assert call.decoded("dtstart") == at("2026-10-16 14:00")


def test_a_cancelled_checkpoint_shows_as_cancelled(client, feed, carla):
    checkpoint_cancel(checkpoint=feed["checkpoint"], user=carla)
    call = events(fetch(client, feed["token"]))[checkpoint_uid(feed["checkpoint"])]
    assert call["status"] == "CANCELLED"
    assert int(call["sequence"]) == 1


def test_a_moved_due_date_raises_its_sequence_and_a_task_given_away_leaves(
    client, feed, carla, vera
):
    task = feed["task"]
    task_set_due_date(task=task, user=carla, due_date=datetime.date(2026, 10, 23))
    due = events(fetch(client, feed["token"]))[task_due_uid(task)]
    assert int(due["sequence"]) == 2  # set, then moved
    assert due.decoded("dtstart") == datetime.date(2026, 10, 23)
    task_set_owner(task=task, user=carla, owner=vera)
    assert task_due_uid(task) not in events(fetch(client, feed["token"]))


def test_a_revoked_or_renewed_address_gets_404(client, feed, carla):
    old = feed["token"]
    new = calendar_feed_renew(user=carla)
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    client.force_login(carla)
    assert client.post(reverse("calendar-feed-revoke")).status_code == 302
    assert fetch(client, new).status_code == 404
    assert fetch(client, "not-a-token").status_code == 404


def test_a_deactivated_account_s_feed_gets_404(client, feed, carla):
    carla.is_active = False
    carla.save()
    assert fetch(client, feed["token"]).status_code == 404


def test_a_removed_member_s_feed_no_longer_lists_that_engagement(
    client, feed, engagement, carla, ada
):
    membership = Membership.objects.get(engagement=engagement, user=carla)
    member_remove(membership=membership, removed_by=ada)
    assert events(fetch(client, feed["token"])) == {}


def test_the_profile_shows_the_new_address_once_and_stores_only_its_hash(client, carla):
    client.force_login(carla)
    page = client.get(reverse("profile")).content.decode()
    assert reverse("calendar-feed-renew") in page
    response = client.post(reverse("calendar-feed-renew"), follow=True)
    address = re.search(
        r'value="(http://testserver/calendar/[^"]+\.ics)"', response.content.decode()
    )
    assert address, "the new address is shown"
    token = address.group(1).rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarFeed.objects.filter(token_hash=token).exists()
    assert fetch(client, token).status_code == 200
    client.force_login(carla)
    assert token not in client.get(reverse("profile")).content.decode()


def test_renew_and_revoke_take_only_a_post(client, carla):
    client.force_login(carla)
    assert client.get(reverse("calendar-feed-renew")).status_code == 405
    assert client.get(reverse("calendar-feed-revoke")).status_code == 405


@pytest.mark.parametrize("size", [5, 60])
def test_the_feed_costs_the_same_queries_however_many_events(
    clock, client, catalogue, carla, ada, size, django_assert_num_queries
):
    engagement = make_engagement(created_by=ada, customer=f"Grande {size}")
    Membership.objects.create(
        engagement=engagement, user=carla, party=Party.CUSTOMER, role="manager"
    )
    add_tasks(engagement, size)
    engagement.tasks.filter(phase__isnull=False, done=False).update(
        owner=carla, due_date=datetime.date(2026, 11, 1)
    )
    for day in range(size // 5):
        make_checkpoint(
            engagement, carla, starts_at=at(f"2026-10-{day + 2:02d} 10:00"), attendees=[carla]
        )
    token = calendar_feed_renew(user=carla)
    client.logout()
    # The account (with its profile), the checkpoints to come, those past, the tasks.
    with django_assert_num_queries(4):
        response = client.get(reverse("calendar-feed", args=[token]))
    assert len(events(response)) > size // 5


def test_due_date_uids_are_unique_to_the_portal_s_host(client, feed, settings):
    settings.PORTAL_URL = "https://fasttrack.contoso.example:8443"
    found = events(fetch(client, feed["token"]))
    assert f"task-{feed['task'].pk}-due@fasttrack.contoso.example" in found


def test_a_feed_fetched_again_is_the_same_and_its_etag_answers_304_until_it_changes(
    client, clock, feed, carla
):
    """Calendar programs fetch every few minutes: an unchanged feed must read the same (its
    DTSTAMPs are when each event last changed, not the fetch) and cost them no download."""
    first = fetch(client, feed["token"])
    due = events(first)[task_due_uid(feed["task"])]
    assert due.decoded("dtstamp") == at(CLOCK_START)
    clock("2026-10-01 09:40")
    again = fetch(client, feed["token"])
    assert body(again) == body(first)
    assert again["ETag"] == first["ETag"]
    url = reverse("calendar-feed", args=[feed["token"]])
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""
    task_set_due_date(task=feed["task"], user=carla, due_date=datetime.date(2026, 10, 22))
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert events(changed)[task_due_uid(feed["task"])].decoded("dtstamp") == at("2026-10-01 09:40")


def test_a_withdrawn_task_leaves_the_feed(client, feed):
    """A withdrawn task counts for nothing until a catalogue apply brings it back, so its due
    date is no appointment either."""
    Task.objects.filter(pk=feed["task"].pk).update(withdrawn_at=timezone.now())
    assert task_due_uid(feed["task"]) not in events(fetch(client, feed["token"]))


def test_checkpoints_older_than_the_window_leave_the_feed_and_cost_nothing(
    client, clock, feed, carla, ada, django_assert_num_queries
):
    """A calendar keeps what it has; the feed lists checkpoints from FEED_PAST back on, so
    a person on many engagements with years of meetings pays for what the feed lists."""
    clock("2026-05-04 09:00")  # when these were scheduled
    recent = make_checkpoint(
        feed["checkpoint"].engagement, carla, starts_at=at("2026-08-10 10:00"), attendees=[carla]
    )
    old = make_checkpoint(
        feed["checkpoint"].engagement, carla, starts_at=at("2026-08-01 10:00"), attendees=[carla]
    )
    for number in range(5):
        other = make_engagement(created_by=ada, customer=f"Antiga {number}")
        Membership.objects.create(engagement=other, user=carla, party=Party.CUSTOMER)
        make_checkpoint(other, carla, starts_at=at("2026-06-01 10:00"), attendees=[carla])
    clock(CLOCK_START)
    client.logout()
    # The account (with its profile), the checkpoints to come, those past, the tasks.
    with django_assert_num_queries(4):
        found = events(client.get(reverse("calendar-feed", args=[feed["token"]])))
    assert timezone.now() - FEED_PAST <= at("2026-08-10 10:00")
    assert checkpoint_uid(recent) in found and checkpoint_uid(old) not in found
    assert len(found) == 3  # the window's two checkpoints and the due date


def test_last_modified_is_the_latest_change_and_if_modified_since_answers_304(
    client, clock, feed, carla
):
    first = fetch(client, feed["token"])
    body(first)
    assert first["Last-Modified"] == http_date(at(CLOCK_START).timestamp())
    url = reverse("calendar-feed", args=[feed["token"]])
    clock("2026-10-01 10:00")
    unchanged = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert unchanged.status_code == 304 and unchanged["ETag"] == first["ETag"]
    change_checkpoint(feed["checkpoint"], carla, title="Chamada de avaliação")
    changed = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert changed.status_code == 200
    assert changed["Last-Modified"] == http_date(at("2026-10-01 10:00").timestamp())
