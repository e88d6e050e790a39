"""Writing the stored status (engagements/models/stored_status.py): every change to an engagement
ends with `journal.engagement_changed`, which calls `engagement_status_refresh` in its
transaction; the command that checks and repairs it calls `engagement_status_check`."""

from django.db import transaction

from engagements.models import Engagement
from engagements.models.stored_status import STORED_FIELDS
from engagements.status.selectors import differing_fields, recomputed_values

REBUILD_BATCH = 500


@transaction.atomic(savepoint=False)
def engagement_status_refresh(*, engagement_id: int, engagement: Engagement | None = None) -> None:
    """Recompute the engagement's stored status from its rows and store it (seven queries, six
    given the change's locked row from journal.engagement_lock).

    The engagement's row lock comes first (every audited change holds it already), so the rows
    read are the committed ones plus this transaction's, and of two changes at once the later
    stores what both did.
    """
    if engagement is None:
        engagement = (
            Engagement.objects.select_for_update()
            .only("pk", "start_date", "status_last_activity_at")
            .get(pk=engagement_id)
        )
    last_activity = None
    if recorded := getattr(engagement, "last_event_at", None):
        # The change's events are the newest: the last activity is the later of theirs and
        # the one stored (the events' latest before them), with no need to ask the events.
        stored = engagement.status_last_activity_at
        last_activity = {engagement_id: max(recorded, stored) if stored else recorded}
    values = recomputed_values([engagement], last_activity=last_activity)[engagement_id]
    Engagement.objects.filter(pk=engagement_id).update(**values)


def _batches():
    ids = list(Engagement.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), REBUILD_BATCH):
        yield ids[start : start + REBUILD_BATCH]


def engagement_status_check(*, repair: bool) -> dict[int, list[str]]:
    """Each engagement whose stored status differs from its rows, with the differing columns;
    with `repair`, store the recomputed status of those. A batch at a time, each batch locked
    while it is compared, so a change made meanwhile is neither missed nor overwritten."""
    differences = {}
    for ids in _batches():
        with transaction.atomic():
            engagements = list(
                Engagement.objects.select_for_update()
                .filter(pk__in=ids)
                .only("pk", "start_date", *STORED_FIELDS)
                .order_by("pk")
            )
            expected = recomputed_values(engagements)
            wrong = []
            for engagement in engagements:
                if names := differing_fields(engagement, expected[engagement.pk]):
                    differences[engagement.pk] = names
                    wrong.append(engagement)
                    for name, value in expected[engagement.pk].items():
                        setattr(engagement, name, value)
            if repair and wrong:
                Engagement.objects.bulk_update(wrong, STORED_FIELDS, batch_size=REBUILD_BATCH)
    return differences
