"""The checks a tenant can answer, per catalogue item: data in fixtures/tenant-checks.json,
versioned with the catalogue (a check changes when Microsoft renames a SKU or moves an API).
Read once per process; `tests/test_tenant_checks.py` holds the file to its rules."""

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language

from tenants.permissions import TIER_PERMISSIONS

CHECKS_FILE = Path(settings.BASE_DIR) / "fixtures" / "tenant-checks.json"


@dataclass(frozen=True)
class Request:
    path: str
    # Graph's advanced queries ($count, some $filter) answer only with this header.
    eventual: bool = False
    # Asked once per item of an earlier request's answer (its index), where each item's
    # fields match `where`; `{id}` in the path is the item's id.
    for_each: dict | None = None


@dataclass(frozen=True)
class Check:
    key: str
    version: int
    responsibilities: tuple[str, ...]
    requests: tuple[Request, ...]
    permission: str
    predicate: str
    params: dict
    title_pt: str
    title_en: str

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "").startswith("en") else self.title_pt


@dataclass(frozen=True)
class CheckSet:
    version: int
    checks: tuple[Check, ...]
    # Catalogue key -> why Graph cannot show it, per language.
    not_visible: dict[str, dict[str, str]]

    def for_tier(self, tier: str) -> tuple[Check, ...]:
        granted = set(TIER_PERMISSIONS[tier])
        return tuple(check for check in self.checks if check.permission in granted)

    def by_key(self) -> dict[str, Check]:
        return {check.key: check for check in self.checks}

    def by_responsibility(self) -> dict[str, list[Check]]:
        found: dict[str, list[Check]] = {}
        for check in self.checks:
            for key in check.responsibilities:
                found.setdefault(key, []).append(check)
        return found


def checks_parse(data: dict) -> CheckSet:
    checks = tuple(
        Check(
            key=item["key"],
            version=item["version"],
            responsibilities=tuple(item["responsibilities"]),
            requests=tuple(Request(**request) for request in item["requests"]),
            permission=item["permission"],
            predicate=item["predicate"],
            params=item["params"],
            title_pt=item["title_pt"],
            title_en=item["title_en"],
        )
        for item in data["checks"]
    )
    not_visible = {
        key: {"pt": group["why_pt"], "en": group["why_en"]}
        for group in data["not_visible"]
        for key in group["responsibilities"]
    }
    return CheckSet(version=data["version"], checks=checks, not_visible=not_visible)


@functools.cache
def check_set() -> CheckSet:
    return checks_parse(json.loads(CHECKS_FILE.read_text(encoding="utf-8")))
