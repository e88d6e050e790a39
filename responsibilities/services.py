"""Loading the shipped catalogue (all of it or nothing, with errors that name the item, and
published as a version), and an admin's edits of the draft, each recorded."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import (
    DRAFT_LINKS,
    FROZEN_FIELDS,
    CatalogueEventKind,
    CatalogueVersion,
    Phase,
    Responsibility,
    VersionSource,
)
from .publishing import catalogue_publish, draft_has_changes
from .trail import as_text, catalogue_event_record

FIXTURE_DIR = settings.BASE_DIR / "fixtures"
FIXTURE_FILES = [
    "phases.json",
    "responsibilities-customer.json",
    "responsibilities-microsoft.json",
]
_NATURAL_KEY_FIELD = {"responsibilities.phase": "code", "responsibilities.responsibility": "key"}
_MODELS = {"responsibilities.phase": Phase, "responsibilities.responsibility": Responsibility}


class CatalogueError(Exception):
    """The fixture cannot be loaded; the message names the file and the item."""


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    # The version the load published; None when the catalogue was already that version.
    version: CatalogueVersion | None = None


def _required_fields(model) -> set[str]:
    return {field.name for field in model._meta.concrete_fields if not field.primary_key}


def _load_object(raw: dict, where: str, seen: set, result: LoadResult) -> None:
    if not isinstance(raw, dict) or raw.get("model") not in _MODELS:
        raise CatalogueError(f"{where}: not a phase or responsibility: {raw!r:.120}")
    fields = raw.get("fields") or {}
    model = _MODELS[raw["model"]]
    name = fields.get(_NATURAL_KEY_FIELD[raw["model"]]) or "(no key)"
    missing = sorted(_required_fields(model) - set(fields))
    if missing:
        raise CatalogueError(f"{where}: item {name} is missing {', '.join(missing)}")
    if (model, name) in seen:
        raise CatalogueError(f"{where}: item {name} appears twice")
    seen.add((model, name))
    try:
        (deserialized,) = serializers.deserialize("json", json.dumps([raw]))
        is_new = deserialized.object.pk is None
        # The deserializer found the existing row by its natural key: validate as an update.
        deserialized.object._state.adding = is_new
        deserialized.object.full_clean()
    except ValidationError as error:
        details = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
        raise CatalogueError(f"{where}: item {name} is invalid: {details}") from error
    except Exception as error:  # the deserializer raises several types for one cause: bad data
        raise CatalogueError(f"{where}: item {name} cannot be read: {error}") from error
    deserialized.save()
    if is_new:
        result.created += 1
    else:
        result.updated += 1


@transaction.atomic
def catalogue_load(*, fixture_dir: Path = FIXTURE_DIR, actor=None) -> LoadResult:
    """Create or overwrite (by natural key) every phase and item the fixtures hold, and publish
    the result as a new version when it differs from the last one (the rows that running
    engagements came from stay frozen in the versions they were copied from)."""
    result, seen = LoadResult(), set()
    for file_name in FIXTURE_FILES:
        path = Path(fixture_dir) / file_name
        try:
            objects = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CatalogueError(f"{path.name}: cannot be read as JSON: {error}") from error
        if not isinstance(objects, list):
            raise CatalogueError(f"{path.name}: must hold a JSON list of objects")
        for index, raw in enumerate(objects, start=1):
            _load_object(raw, f"{path.name}, object {index}", seen, result)
    catalogue_event_record(
        actor=actor,
        kind=CatalogueEventKind.LOADED,
        new_value=as_text({"created": result.created, "updated": result.updated}),
    )
    if draft_has_changes():
        result.version = catalogue_publish(note="", actor=actor, source=VersionSource.LOADED)
    return result


# An edit is recorded in the fields a version freezes (by the draft's names for them), so the
# trail tells of every change a publication would carry.
_AUDITED_FIELDS = [DRAFT_LINKS.get(name, name) for name in FROZEN_FIELDS]


def _snapshot(item: Responsibility) -> dict:
    values = {}
    for name in _AUDITED_FIELDS:
        value = getattr(item, name)
        if isinstance(value, Phase):
            value = value.code
        elif isinstance(value, Responsibility):
            value = value.key
        values[name] = value
    return values


@transaction.atomic
def responsibility_save(*, item: Responsibility, actor) -> Responsibility:
    """Save an admin's edit of a catalogue item and record what changed from what to what."""
    before = (
        _snapshot(Responsibility.objects.select_related("phase", "parent").get(pk=item.pk))
        if item.pk
        else {}
    )
    item.save()
    after = _snapshot(item)
    changed = [name for name in _AUDITED_FIELDS if before.get(name) != after[name]]
    if before and not changed:
        return item
    catalogue_event_record(
        actor=actor,
        kind=CatalogueEventKind.CHANGED if before else CatalogueEventKind.CREATED,
        item_key=item.key,
        old_value=as_text({name: before[name] for name in changed if before}),
        new_value=as_text({name: after[name] for name in changed}),
    )
    return item


@transaction.atomic
def responsibility_delete(*, item: Responsibility, actor) -> None:
    """Delete an item no engagement uses (the database refuses otherwise), and record it and
    each sub-item that goes with it."""
    doomed, level = [item], [item]
    while level:
        level = list(Responsibility.objects.filter(parent__in=level).select_related("phase"))
        doomed += level
    snapshots = [_snapshot(each) for each in doomed]
    item.delete()
    for snapshot in snapshots:
        catalogue_event_record(
            actor=actor,
            kind=CatalogueEventKind.DELETED,
            item_key=snapshot["key"],
            old_value=as_text(snapshot),
        )


@transaction.atomic
def responsibilities_set_active(*, items, actor, active: bool) -> int:
    """Retire items (left out of new engagements) or bring them back; one event per change."""
    changed = 0
    # Locked in key order, with no joins (PostgreSQL cannot lock the nullable side of one).
    for item in items.select_related(None).order_by("pk").select_for_update():
        if item.is_active == active:
            continue
        item.is_active = active
        item.save(update_fields=["is_active"])
        catalogue_event_record(
            actor=actor,
            kind=CatalogueEventKind.REACTIVATED if active else CatalogueEventKind.RETIRED,
            item_key=item.key,
            old_value=as_text({"is_active": not active}),
            new_value=as_text({"is_active": active}),
        )
        changed += 1
    return changed


@transaction.atomic
def phase_set_typical_days(*, phase: Phase, days: int, actor) -> Phase:
    """An admin's new typical duration for a phase (what new engagements are planned with),
    recorded in the catalogue's chain under the phase's code; running plans keep theirs."""
    before = (
        Phase.objects.select_for_update().values_list("typical_days", flat=True).get(pk=phase.pk)
    )
    phase.typical_days = days
    phase.full_clean()
    if before == days:
        return phase
    phase.save(update_fields=["typical_days"])
    catalogue_event_record(
        actor=actor,
        kind=CatalogueEventKind.CHANGED,
        item_key=phase.code,
        old_value=as_text({"typical_days": before}),
        new_value=as_text({"typical_days": days}),
    )
    return phase
