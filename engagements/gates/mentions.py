"""`@name` in a task's comment: which members of the engagement it names, and who to suggest as
someone types.

Only the engagement's own active members can be mentioned, matched by their full name, by their
first name when no other member shares it, or by their username; case and accents are ignored
("@joao" names João). The longest name that fits wins, so "@Ana Lima" names Ana Lima, not a
member called Ana. A name nobody in the engagement has, a first name two members share, or an
address such as carla@example.com mentions nobody.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from engagements.models import CommentMention, Membership, TaskComment
from fasttrack.bounds import without_bidi_controls

# A comment names at most this many people: a mention is a notification, and a comment that
# pages half the engagement is a broadcast the portal should not send.
MENTIONS_MOST = 10
# The suggestions shown as one types, and the longest fragment after "@" looked up.
SUGGESTIONS_MOST = 8
FRAGMENT_MAX_LENGTH = 60

# An "@" that starts a mention: at the start or after anything but a letter, digit, "_", "@" or
# "." (so an email address or "a@@b" is not one).
_AT = re.compile(r"(?<![\w@.])@")


def fold(text: str) -> str:
    """`text` compared as people read it: without case and accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def display_name(user) -> str:
    """The name a mention shows and records: the full name, or the username."""
    return without_bidi_controls(user.get_full_name() or user.get_username())


@dataclass
class Mention:
    """A member the comment names, with the name they had then and where the body names them."""

    user: object
    name: str
    spans: list[list[int]] = field(default_factory=list)


def _handles(members) -> list[tuple[str, object]]:
    """(folded name, member) for each way a member may be named, longest first."""
    first_names: dict[str, list] = {}
    for user in members:
        if user.first_name.strip():
            first_names.setdefault(fold(user.first_name.strip()), []).append(user)
    handles = []
    for user in members:
        handles.append((fold(display_name(user)), user))
        handles.append((fold(user.get_username()), user))
    for name, users in first_names.items():
        if len(users) == 1:
            handles.append((name, users[0]))
    return sorted((h for h in handles if h[0]), key=lambda handle: -len(handle[0]))


def _ends_a_word(body: str, end: int) -> bool:
    return end == len(body) or not (body[end].isalnum() or body[end] == "_")


def mentions_find(body: str, members) -> list[Mention]:
    """The members of `members` (the engagement's active accounts) that `body` names, in the
    order first named."""
    # By first letter, so a comment of many "@" compares each with a few names, not with all.
    handles: dict[str, list] = {}
    for handle, user in _handles(members):
        handles.setdefault(handle[0], []).append((handle, user))
    found: dict[int, Mention] = {}
    for at in _AT.finditer(body):
        start = at.end()
        for handle, user in handles.get(fold(body[start : start + 1])[:1], []):
            end = start + len(handle)
            # Folding keeps the length of what people type (only rare letters such as "ß"
            # change it), so the handle's length measures the typed name.
            if fold(body[start:end]) == handle and _ends_a_word(body, end):
                mention = found.setdefault(user.pk, Mention(user=user, name=display_name(user)))
                mention.spans.append([at.start(), end - at.start()])
                break
    return list(found.values())


def mentions_check(mentions: list[Mention]) -> None:
    """Refuse a comment that names more people than a comment may."""
    if len(mentions) > MENTIONS_MOST:
        raise ValidationError(
            {
                "body": ngettext(
                    "A comment may mention at most %(most)d person; this one mentions "
                    "%(count)d. Mention fewer people.",
                    "A comment may mention at most %(most)d people; this one mentions "
                    "%(count)d. Mention fewer people.",
                    MENTIONS_MOST,
                )
                % {"most": MENTIONS_MOST, "count": len(mentions)}
            }
        )


def mention_suggestions(fragment: str, members, *, exclude=None) -> list:
    """Members whose name or username starts with `fragment` (or has a word that does), for
    the list shown as one types after "@"; at most SUGGESTIONS_MOST, by name."""
    wanted = fold(fragment.strip())
    chosen = []
    for user in sorted(members, key=lambda u: fold(display_name(u))):
        if exclude is not None and user.pk == exclude.pk:
            continue
        name = fold(display_name(user))
        if (
            not wanted
            or name.startswith(wanted)
            or any(word.startswith(wanted) for word in name.split())
            or fold(user.get_username()).startswith(wanted)
        ):
            chosen.append(user)
    return chosen[:SUGGESTIONS_MOST]


def engagement_members(engagement_id: int) -> list:
    """The accounts a comment in this engagement may mention: its active members."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            engagement_id=engagement_id, user__is_active=True
        ).select_related("user")
    ]


def mention_spans(mentions: list[Mention]) -> list[list[int]]:
    """Every place the body names someone, in the body's order."""
    return sorted(span for mention in mentions for span in mention.spans)


def mentions_record(*, comment: TaskComment, mentions: list[Mention]) -> None:
    """One row per person the new comment names (in the comment's transaction)."""
    CommentMention.objects.bulk_create(
        CommentMention(
            comment=comment,
            user=mention.user,
            engagement_id=comment.task.engagement_id,
            name=mention.name,
            created_at=comment.created_at,
        )
        for mention in mentions
    )


def comments_mentioning(user):
    """The comments that mention `user`, newest first, in the engagements they are still a
    member of, with their task, its phase, its engagement and the author: one query however
    many engagements (slice it for a page)."""
    return (
        TaskComment.objects.filter(
            mentions__user=user,
            mentions__engagement_id__in=Membership.objects.filter(user=user).values(
                "engagement_id"
            ),
        )
        .select_related("task__engagement", "task__phase", "author")
        .order_by("-mentions__created_at", "-pk")
    )
