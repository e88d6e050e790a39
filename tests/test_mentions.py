"""`@name` in a task's comment: who it names (members of that engagement only), what it records,
who is told (once, in their language), how it shows, who is suggested as one types, and the
"comments that mention me" read."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import Profile
from engagements.gates.evidence import comment_add
from engagements.gates.mentions import (
    MENTIONS_MOST,
    SUGGESTIONS_MOST,
    comments_mentioning,
    mention_suggestions,
    mentions_find,
)
from engagements.models import (
    ActivityEvent,
    CommentMention,
    EventKind,
    Membership,
    Role,
    TaskComment,
)
from engagements.services.members import member_remove
from engagements.verify.checks import engagement_state_problems
from notifications.listeners import mention_notes_owe
from notifications.models import Notification, NotificationKind
from notifications.sending import notification_send
from responsibilities.models import Party

from .factories import make_engagement, make_user

User = get_user_model()


def person(pk, username, first="", last=""):
    return User(pk=pk, username=username, first_name=first, last_name=last)


MARCOS = person(1, "msft", "Marcos", "Microsoft")
ANA_LIMA = person(2, "ana.lima", "Ana", "Lima")
ANA_SOUZA = person(3, "asouza", "Ana", "Souza")
JOAO = person(4, "jbranco", "João", "Branco")
MEMBERS = [MARCOS, ANA_LIMA, ANA_SOUZA, JOAO]


def named(body, members=MEMBERS):
    return [(m.user.pk, m.spans) for m in mentions_find(body, members)]


# Parsing


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@Marcos can you validate by Friday?", [(1, [[0, 7]])]),
        ("Ask @Marcos Microsoft.", [(1, [[4, 17]])]),
        ("(@marcos)", [(1, [[1, 7]])]),
        ("ok\n@Marcos", [(1, [[3, 7]])]),
        ("@msft, see this", [(1, [[0, 5]])]),
        ("@joao and @JOÃO", [(4, [[0, 5], [10, 5]])]),
        ("@Ana Lima and @Ana Souza", [(2, [[0, 9]]), (3, [[14, 10]])]),
        # Two members are called Ana: the first name alone names neither.
        ("@Ana please", []),
        # Not a word boundary, an email address, a doubled or a bare "@".
        ("@Marcosx", []),
        ("marcos@example.com", []),
        ("a.@Marcos", []),
        ("@@Marcos", []),
        ("@ Marcos", []),
        ("@", []),
        # Nobody of this engagement has the name.
        ("@Otto can you?", []),
    ],
)
def test_which_members_a_comment_names(body, expected):
    assert named(body) == expected


def test_a_member_named_twice_is_one_mention_with_both_places():
    (mention,) = mentions_find("@Marcos e @Marcos Microsoft", MEMBERS)
    assert (mention.name, mention.spans) == ("Marcos Microsoft", [[0, 7], [10, 17]])


def test_a_unique_first_name_names_its_member_and_the_longest_name_wins():
    only_ana = [MARCOS, ANA_LIMA]
    assert named("@Ana, ok?", only_ana) == [(2, [[0, 4]])]
    assert named("@Ana Lima ok", only_ana) == [(2, [[0, 9]])]


# Recording and the trail


@pytest.fixture
def task(engagement):
    return engagement.tasks.get(responsibility__key="customer-avaliar-03")


def test_a_comment_records_whom_it_mentions_in_its_event_and_the_trail_holds(
    engagement, task, carla, miguel, vera
):
    miguel.last_name = "Microsoft"
    miguel.save()
    comment = comment_add(task=task, user=carla, body="@Miguel Microsoft e @vera, validem?")
    event = ActivityEvent.objects.get(kind=EventKind.COMMENT_ADDED)
    assert event.changes["mentions"] == [
        {"id": miguel.pk, "name": "Miguel Microsoft"},
        {"id": vera.pk, "name": "Vera"},
    ]
    assert comment.mention_spans == [[0, 17], [20, 5]]
    assert set(CommentMention.objects.values_list("user_id", "name")) == {
        (miguel.pk, "Miguel Microsoft"),
        (vera.pk, "Vera"),
    }
    assert engagement_state_problems(engagement) == []
    CommentMention.objects.filter(user=vera).update(user=carla)
    (problem,) = engagement_state_problems(engagement)
    assert f"comment {comment.pk}: whom it mentions is not what its event says" in problem


@pytest.fixture
def namesake(other_engagement):
    """Another engagement's member whose first name is Carla's."""
    user = make_user("csouza", last_name="Souza")
    user.first_name = "Carla"
    user.save()
    Membership.objects.create(
        engagement=other_engagement, user=user, party=Party.CUSTOMER, role=Role.VIEWER
    )
    return user


def test_a_member_of_another_engagement_is_never_mentioned_even_by_a_shared_first_name(
    engagement, other_engagement, task, miguel, carla, otto, namesake
):
    comment_add(task=task, user=miguel, body="@Otto e @csouza, e @Carla?")
    assert list(CommentMention.objects.values_list("user_id", flat=True)) == [carla.pk]
    assert not Notification.objects.filter(recipient__in=[otto, namesake]).exists()
    other_task = other_engagement.tasks.first()
    comment_add(task=other_task, user=otto, body="@Carla, veja")
    assert CommentMention.objects.get(comment__task=other_task).user == namesake


def test_an_inactive_member_is_not_mentioned(task, carla, miguel):
    miguel.is_active = False
    miguel.save()
    comment_add(task=task, user=carla, body="@Miguel?")
    assert not CommentMention.objects.exists()


@pytest.fixture
def crowd(engagement):
    """MENTIONS_MOST + 1 viewers of the engagement, named m0, m1, ..."""
    users = [make_user(f"m{index}") for index in range(MENTIONS_MOST + 1)]
    Membership.objects.bulk_create(
        Membership(engagement=engagement, user=user, party=Party.CUSTOMER, role=Role.VIEWER)
        for user in users
    )
    return users


def test_a_comment_may_mention_at_most_the_bound(task, carla, crowd):
    at_most = " ".join(f"@m{index}" for index in range(MENTIONS_MOST))
    comment_add(task=task, user=carla, body=at_most)
    assert CommentMention.objects.count() == MENTIONS_MOST


def test_one_mention_beyond_the_bound_is_refused_and_nothing_is_saved(task, carla, crowd):
    too_many = " ".join(f"@m{index}" for index in range(MENTIONS_MOST + 1))
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        comment_add(task=task, user=carla, body=too_many)
    assert "at most 10 people; this one mentions 11" in str(refused.value)
    assert not TaskComment.objects.exists()
    assert not ActivityEvent.objects.filter(kind=EventKind.COMMENT_ADDED).exists()
    assert not Notification.objects.exists()


def test_the_form_says_why_too_many_mentions_were_refused(client, task, carla, crowd):
    client.force_login(carla)
    too_many = " ".join(f"@m{index}" for index in range(MENTIONS_MOST + 1))
    response = client.post(comment_url(task), {"body": too_many}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "pode mencionar no máximo 10 pessoas; este menciona 11" in html
    assert f"{too_many}</textarea>" in html
    # Without JavaScript, the page the refusal leads to gives it back once.
    response = client.post(comment_url(task), {"body": too_many}, follow=True)
    assert f"{too_many}</textarea>" in response.content.decode()
    page = client.get(reverse("engagement-detail", args=[task.engagement_id]))
    assert f"{too_many}</textarea>" not in page.content.decode()
    assert not TaskComment.objects.exists()


# Who is told


def comment_url(task):
    return reverse("comment-add", args=[task.engagement_id, task.pk])


def test_the_mentioned_member_is_told_once_in_their_own_language(client, task, carla, miguel, vera):
    Profile.objects.create(user=miguel, language="en")
    Profile.objects.create(user=vera, language="pt-br")
    client.force_login(carla)
    # The plain form post, as without JavaScript.
    client.post(comment_url(task), {"body": "@Miguel @Vera podem validar até sexta?"})
    comment = TaskComment.objects.get()
    notes = Notification.objects.filter(kind=NotificationKind.MENTION).order_by("recipient")
    assert [(n.key, n.recipient) for n in notes] == [
        (f"mention:{comment.pk}:{miguel.pk}", miguel),
        (f"mention:{comment.pk}:{vera.pk}", vera),
    ]
    # The listener called again for the same comment (a retried save) owes nothing more.
    mention_notes_owe([ActivityEvent.objects.get(kind=EventKind.COMMENT_ADDED)], None)
    assert Notification.objects.filter(kind=NotificationKind.MENTION).count() == 2
    for note in notes:
        notification_send(notification_id=note.pk)
        notification_send(notification_id=note.pk)
    english, portuguese = sorted(mail.outbox, key=lambda m: m.to)
    assert english.to == ["miguel@example.com"]
    assert english.subject.startswith("Carla mentioned you: ")
    assert task.text_en[:40] in english.subject
    assert "podem validar até sexta?" in english.body
    assert f"#comment-{comment.pk}" in english.body
    assert portuguese.subject.startswith("Carla mencionou você: ")
    assert task.text_pt[:40] in portuguese.subject
    assert len(mail.outbox) == 2


def test_whoever_mentions_themselves_is_not_told(task, carla):
    comment_add(task=task, user=carla, body="@Carla lembrete para mim")
    assert CommentMention.objects.get().user == carla
    assert not Notification.objects.exists()


def test_a_member_removed_before_the_send_is_not_told(task, carla, miguel, engagement):
    comment_add(task=task, user=carla, body="@Miguel?")
    member_remove(
        membership=Membership.objects.get(engagement=engagement, user=miguel), removed_by=carla
    )
    note = Notification.objects.get(kind=NotificationKind.MENTION)
    notification_send(notification_id=note.pk)
    assert mail.outbox == []


# How it shows


def test_the_thread_highlights_the_mention_and_escapes_the_rest(client, task, carla, miguel):
    comment_add(task=task, user=carla, body="<b>@Miguel</b>\nok")
    client.force_login(carla)
    html = client.get(reverse("engagement-detail", args=[task.engagement_id])).content.decode()
    assert (
        f'<p class="comment-body">{escape("<b>")}<strong class="mention">@Miguel</strong>'
        f"{escape('</b>')}<br>ok</p>"
    ) in html


# Suggestions


def suggest(client, engagement, q):
    return client.get(reverse("mention-suggestions", args=[engagement.pk]), {"q": q})


def test_members_are_suggested_by_the_start_of_a_name(client, engagement, carla, miguel, vera):
    client.force_login(carla)
    html = suggest(client, engagement, "mi").content.decode()
    assert 'data-mention="Miguel"' in html
    assert "Vera" not in html
    # Everyone but the writer, as soon as "@" is typed.
    html = suggest(client, engagement, "").content.decode()
    assert 'data-mention="Miguel"' in html and 'data-mention="Vera"' in html
    assert 'data-mention="Carla"' not in html


def test_a_non_member_is_never_suggested(client, engagement, carla, otto, other_engagement):
    client.force_login(carla)
    assert "Otto" not in suggest(client, engagement, "ot").content.decode()


def test_the_suggestions_refuse_whoever_may_not_comment(client, engagement, otto, ada):
    client.force_login(otto)
    assert suggest(client, engagement, "c").status_code == 404
    client.force_login(ada)
    assert suggest(client, engagement, "c").status_code == 403
    client.logout()
    assert suggest(client, engagement, "c").status_code == 302


def test_a_fragment_too_long_or_on_two_lines_is_refused(client, engagement, carla):
    client.force_login(carla)
    assert suggest(client, engagement, "m" * 60).status_code == 200
    assert suggest(client, engagement, "m" * 61).status_code == 400
    assert suggest(client, engagement, "mi\nx").status_code == 400


def test_at_most_so_many_suggestions():
    many = [person(index, f"user{index:02d}", "Paula", f"P{index:02d}") for index in range(20)]
    suggested = mention_suggestions("pa", many)
    assert len(suggested) == SUGGESTIONS_MOST
    assert suggested[0].last_name == "P00"


# Comments that mention me


def test_comments_mentioning_me_newest_first_in_engagements_i_am_still_in(
    engagement, task, carla, miguel
):
    first = comment_add(task=task, user=carla, body="@Miguel primeiro")
    comment_add(task=task, user=carla, body="sem menção")
    second = comment_add(task=task, user=carla, body="@Miguel segundo")
    assert list(comments_mentioning(miguel)) == [second, first]
    assert list(comments_mentioning(carla)) == []
    member_remove(
        membership=Membership.objects.get(engagement=engagement, user=miguel), removed_by=carla
    )
    assert list(comments_mentioning(miguel)) == []


@pytest.mark.parametrize("engagements", [1, 50])
def test_comments_mentioning_me_cost_one_query(
    engagements, catalogue, carla, miguel, ada, django_assert_num_queries
):
    for index in range(engagements):
        engagement = make_engagement(created_by=ada, customer=f"Cliente {index}")
        for user, party in ((carla, Party.CUSTOMER), (miguel, Party.MICROSOFT)):
            Membership.objects.create(
                engagement=engagement, user=user, party=party, role=Role.MANAGER
            )
        comment_add(task=engagement.tasks.first(), user=carla, body="@Miguel veja")
    with django_assert_num_queries(1):
        comments = list(comments_mentioning(miguel))
        assert {c.task.engagement.customer for c in comments} == {
            f"Cliente {index}" for index in range(engagements)
        }
        assert {(c.author.username, c.task.phase) for c in comments} == {("carla", None)}


@pytest.mark.parametrize("extra_members", [0, 30])
def test_the_suggestions_cost_the_same_however_many_members(
    client, engagement, carla, extra_members, django_assert_num_queries
):
    users = [make_user(f"paula{index}") for index in range(extra_members)]
    Membership.objects.bulk_create(
        Membership(engagement=engagement, user=user, party=Party.CUSTOMER, role=Role.VIEWER)
        for user in users
    )
    client.force_login(carla)
    suggest(client, engagement, "pa")
    # session, user, profile, engagement, its members
    with django_assert_num_queries(5):
        html = suggest(client, engagement, "pa").content.decode()
    assert html.count('class="mention-pick"') == min(extra_members, SUGGESTIONS_MOST)
