"""Publishing the draft catalogue as a version, and reading what a version holds and which of
its items apply to an engagement's scope."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fasttrack import bounds

from .models import (
    CatalogueAuditHead,
    CatalogueEventKind,
    CatalogueVersion,
    Phase,
    Responsibility,
    ResponsibilityVersion,
    VersionSource,
    frozen_values,
)
from .trail import as_text, catalogue_event_record, version_hash


def latest_version() -> CatalogueVersion | None:
    return CatalogueVersion.objects.latest_first().first()


def version_items(version: CatalogueVersion | None) -> dict[str, ResponsibilityVersion]:
    """The version's items by key (one query); none for no version."""
    if version is None:
        return {}
    return {item.key: item for item in version.items.all()}


def draft_items() -> dict[str, tuple[int, dict]]:
    """The draft's items by key: each one's id and its fields as a version would freeze them."""
    return {
        item.key: (item.pk, frozen_values(item))
        for item in Responsibility.objects.select_related("phase", "parent")
    }


def _pending(previous: CatalogueVersion | None):
    """What publishing now would keep of the last version, and the items it would freeze anew."""
    before, draft = version_items(previous), draft_items()
    kept, new = [], []
    for key, (pk, values) in draft.items():
        item = before.get(key)
        if item is not None and item.frozen() == values:
            kept.append(item)
        else:
            new.append(ResponsibilityVersion(responsibility_id=pk, **values))
    removed = set(before) - set(draft)
    return kept, new, removed


def draft_has_changes() -> bool:
    """Whether the draft differs from the last version (or there is none yet)."""
    previous = latest_version()
    _kept, new, removed = _pending(previous)
    return previous is None or bool(new or removed)


@transaction.atomic
def catalogue_publish(
    *, note: str, actor, source: str = VersionSource.PUBLISHED
) -> CatalogueVersion:
    """Freeze the draft as the next version with a change note; an item unchanged since the
    last version keeps its record. Refused when nothing changed."""
    note = note.strip()
    bounds.validate_fields({"note": (note, bounds.multi_line(bounds.NOTE_MAX_LENGTH))})
    if source == VersionSource.PUBLISHED and not note:
        raise ValidationError({"note": _("Say what changed: the note is shown with the version.")})
    # The catalogue chain's head row, locked first: two publishes at once would otherwise both
    # read the same last version and take the same number.
    CatalogueAuditHead.objects.select_for_update().get_or_create(pk=1)
    previous = latest_version()
    kept, new, removed = _pending(previous)
    if previous is not None and not (new or removed):
        raise ValidationError(
            _("Nothing has changed since version %(number)d: there is nothing to publish.")
            % {"number": previous.number}
        )
    ResponsibilityVersion.objects.bulk_create(new)
    version = CatalogueVersion.objects.create(
        number=previous.number + 1 if previous else 1,
        note=note,
        source=source,
        published_at=timezone.now(),
        published_by=actor,
    )
    version.items.set([*kept, *new])
    catalogue_event_record(
        actor=actor,
        kind=CatalogueEventKind.PUBLISHED,
        new_value=as_text(
            {
                "version": version.number,
                "note": note,
                "changed": len(new),
                "removed": sorted(removed),
                "sha256": version_hash([*kept, *new]),
            }
        ),
    )
    return version


def applicable_items(
    items: dict[str, ResponsibilityVersion], *, services, conditions
) -> list[ResponsibilityVersion]:
    """The version's active items whose service and condition hold, less any whose ancestor
    does not apply, in catalogue order (one query, for the phases' order)."""
    services, conditions = {"", *services}, {"", *conditions}

    def applies(item) -> bool:
        while item is not None:
            if not (item.is_active and item.service in services and item.condition in conditions):
                return False
            item = items.get(item.parent_key) if item.parent_key else None
        return True

    orders = phase_orders()
    return sorted(
        (item for item in items.values() if applies(item)),
        key=lambda item: item.catalogue_order(orders),
    )


def phase_orders() -> dict[str, int]:
    return dict(Phase.objects.values_list("code", "order"))
