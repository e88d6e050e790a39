"""Reads of engagements and their members."""

from ..access import visible_engagements
from ..models import Engagement


def engagement_list_for(user):
    """The engagements the user may see, with their task counts."""
    return visible_engagements(user).with_task_counts()


def engagement_memberships(engagement: Engagement):
    """The members with their accounts, by party, role and name."""
    return engagement.memberships.select_related("user").order_by(
        "party", "role", "user__first_name"
    )


def engagement_share_links(engagement: Engagement):
    return engagement.share_links.select_related("created_by")
