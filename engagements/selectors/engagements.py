"""Reads of engagements and their members."""

from functools import partial

from django.contrib.auth import get_user_model
from django.db.models import F

from engagements.access import visible_engagement_count, visible_engagements
from engagements.models import Engagement
from engagements.selectors.keyset import PAGE_SIZE, Key, KeysetPage, keyset_page


def engagement_list_for(user, query: str = ""):
    """The engagements the user may see whose customer matches the query, by customer, with
    their progress from the stored status (phase tasks done of all)."""
    engagements = visible_engagements(user)
    if query:
        engagements = engagements.filter(customer__icontains=query)
    return engagements.annotate(
        tasks_done=F("status_customer_done") + F("status_microsoft_done"),
        tasks_total=F("status_customer_total") + F("status_microsoft_total"),
    ).order_by("customer", "pk")


def engagement_list_page(user, query: str, params) -> KeysetPage:
    """The page of `engagement_list_for` the link's parameters name (keyset) and the count the
    pager shows."""
    return keyset_page(
        engagement_list_for(user, query),
        [Key("customer"), Key("pk")],
        params,
        PAGE_SIZE,
        identity=lambda engagement: engagement.pk,
        # A search keeps some of the reader's engagements: only the whole list is counted
        # from their memberships.
        count_all=None if query else partial(visible_engagement_count, user),
    )


def engagement_memberships(engagement: Engagement):
    """The members with their accounts, by party, role and name."""
    return engagement.memberships.select_related("user").order_by(
        "party", "role", "user__first_name"
    )


def party_member_users(engagement_id: int, party: str):
    """The accounts of one party's members, by name: who may own that party's tasks."""
    return (
        get_user_model()
        .objects.filter(memberships__engagement_id=engagement_id, memberships__party=party)
        .order_by("first_name", "username")
    )


def engagement_share_links(engagement: Engagement):
    return engagement.share_links.select_related("created_by")


def engagement_member_users(engagement: Engagement):
    """The accounts of the engagement's members, by name: who may own its tasks or attend its
    meetings."""
    return (
        get_user_model()
        .objects.filter(memberships__engagement=engagement)
        .order_by("first_name", "username")
    )
