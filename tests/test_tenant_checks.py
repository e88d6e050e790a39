"""The checks file (fixtures/tenant-checks.json) held to its rules: every item it names is in
the catalogue, every predicate and permission exists, the items the issue names are covered,
and what a check says reads whole in both languages."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tenants.checks import CHECKS_FILE, check_set, checks_parse
from tenants.models import Observation, Result, Tier
from tenants.permissions import TIER_PERMISSIONS, WHY
from tenants.predicates import PREDICATES
from tenants.tasks import tenant_check_once
from tenants.words import facts_words

from .graph_tenants import contoso_complete, northwind_partial
from .tenant_support import connect, point_at


def catalogue_keys() -> set[str]:
    keys = set()
    for name in ("responsibilities-customer.json", "responsibilities-microsoft.json"):
        path = Path(settings.BASE_DIR) / "fixtures" / name
        keys |= {row["fields"]["key"] for row in json.loads(path.read_text())}
    return keys


def test_every_check_names_catalogue_items_predicates_and_permissions_that_exist():
    checks = check_set()
    keys = catalogue_keys()
    assert len({check.key for check in checks.checks}) == len(checks.checks)
    for check in checks.checks:
        assert set(check.responsibilities) <= keys, check.key
        assert check.predicate in PREDICATES, check.key
        assert check.permission in WHY and check.permission in TIER_PERMISSIONS[Tier.SENSITIVE]
        assert check.version >= 1 and check.title_pt and check.title_en
        assert all(request.path.startswith("/v1.0/") for request in check.requests)
    assert set(checks.not_visible) <= keys
    assert not set(checks.not_visible) & set(checks.by_responsibility())


def test_the_strong_signals_are_covered():
    covered = set(check_set().by_responsibility())
    strong = {
        "microsoft-habilitar-core-01",  # licences
        "customer-habilitar-04",  # directory sync
        "microsoft-habilitar-core-03",  # domains
        "microsoft-habilitar-core-06",  # federation
        "microsoft-habilitar-intune-04-a",  # MDM authority
        "microsoft-habilitar-intune-05-c",  # devices per OS
        "microsoft-habilitar-intune-05-a",  # compliance
        "microsoft-habilitar-intune-05-b-ii",  # conditional access
        "microsoft-habilitar-intune-06-a",  # app protection
        "microsoft-habilitar-aad-premium-features-11",  # branding
        "customer-general-19",  # terms of use
        "microsoft-habilitar-aad-premium-features-05",  # MFA
    }
    assert strong <= covered
    assert len(covered) >= 12


def test_a_malformed_checks_file_is_refused_whole():
    data = json.loads(Path(CHECKS_FILE).read_text())
    del data["checks"][0]["predicate"]
    with pytest.raises(KeyError):
        checks_parse(data)


@pytest.mark.parametrize("scenario", [contoso_complete, northwind_partial])
@pytest.mark.parametrize("language", ["en", "pt-br"])
def test_every_observation_reads_whole_in_each_language(
    entra, settings, engagement, carla, scenario, language
):
    point_at(entra, settings)
    connect(entra, engagement, scenario("3f2504e0-4f89-41d3-9a0c-0305e82c3301"), by=carla)
    tenant_check_once(engagement.pk)
    by_key = check_set().by_key()
    with translation.override(language):
        for observation in Observation.objects.all():
            check = by_key[observation.check_key]
            words = facts_words(
                check.predicate, observation.facts, observation.result, observation.observed_at
            )
            assert words and "%(" not in words and "_" not in words.replace("@", ""), words
            assert observation.result in Result.values
