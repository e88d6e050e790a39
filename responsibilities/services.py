"""Loading the shipped catalogue: all of it or nothing, with errors that name the item."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Phase, Responsibility

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
def catalogue_load(*, fixture_dir: Path = FIXTURE_DIR) -> LoadResult:
    """Create or overwrite (by natural key) every phase and item the fixtures hold."""
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
    return result
