"""The shipped catalogue: counts, texts word for word, and loading that never duplicates."""

import json
import re
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from responsibilities.models import (
    CatalogueVersion,
    Party,
    Phase,
    Responsibility,
    ResponsibilityVersion,
    Section,
    VersionSource,
)
from responsibilities.publishing import catalogue_publish
from responsibilities.services import FIXTURE_DIR, FIXTURE_FILES
from responsibilities.trail import version_problems

SOURCE = settings.BASE_DIR / "fixtures" / "sources" / "responsabilidades-do-cliente.pt-BR.md"
HEADING_TO_PHASE = {
    "Responsabilidades gerais": None,
    "Fase Iniciar": "iniciar",
    "Fase Avaliar": "avaliar",
    "Fase Corrigir": "corrigir",
    "Fase Habilitar": "habilitar",
}


def source_bullets():
    """(phase code, text) for each bullet of the customer's source page, in order."""
    bullets, phase = [], None
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            phase = HEADING_TO_PHASE.get(line[3:].strip(), "other")
        elif line.startswith("-   "):
            bullets.append((phase, line[4:].strip()))
    return bullets


def phase_code(item):
    return item.phase.code if item.phase else None


def test_phases_are_the_four_in_order(catalogue):
    assert [(p.code, p.name_pt, p.name_en) for p in Phase.objects.all()] == [
        ("iniciar", "Iniciar", "Initiate"),
        ("avaliar", "Avaliar", "Assess"),
        ("corrigir", "Corrigir", "Remediate"),
        ("habilitar", "Habilitar", "Enable"),
    ]
    assert all(p.goal_pt and p.goal_en for p in Phase.objects.all())


def test_customer_items_are_the_source_word_for_word_in_order(catalogue):
    items = Responsibility.objects.filter(party=Party.CUSTOMER).order_by("position")
    assert [(phase_code(i), i.text_pt) for i in items] == source_bullets()


def test_customer_counts_per_phase(catalogue):
    items = Responsibility.objects.filter(party=Party.CUSTOMER)
    counts = dict.fromkeys(HEADING_TO_PHASE.values(), 0)
    for item in items:
        counts[phase_code(item)] += 1
    assert counts == {None: 19, "iniciar": 2, "avaliar": 6, "corrigir": 2, "habilitar": 8}
    assert not items.exclude(parent=None).exists()


def test_microsoft_items_with_their_sub_items(catalogue):
    items = list(Responsibility.objects.filter(party=Party.MICROSOFT).select_related("parent"))
    by_depth = {1: 0, 2: 0, 3: 0}
    for item in items:
        by_depth[item.depth()] += 1
    assert by_depth == {1: 53, 2: 28, 3: 4}
    top_level = {}
    for item in items:
        if item.parent_id is None:
            group = item.section or phase_code(item)
            top_level[group] = top_level.get(group, 0) + 1
    assert top_level == {
        None: 2,
        "iniciar": 3,
        "avaliar": 4,
        "corrigir": 2,
        Section.CORE: 7,
        Section.AAD_PREMIUM: 8,
        Section.AAD_PREMIUM_FEATURES: 11,
        Section.INTUNE: 7,
        Section.AZURE_RMS: 9,
    }


def test_microsoft_conditional_items(catalogue):
    conditional = dict(Responsibility.objects.exclude(condition="").values_list("key", "condition"))
    assert conditional == {
        "microsoft-habilitar-core-05": "single_forest",
        "microsoft-habilitar-core-06": "single_forest_federated",
        "microsoft-habilitar-aad-premium-05": "single_forest",
        "microsoft-habilitar-aad-premium-06": "multiple_forests",
        "microsoft-habilitar-aad-premium-07": "single_forest_federated",
        "microsoft-habilitar-intune-05": "mdm",
        "microsoft-habilitar-intune-06": "mam",
        "microsoft-habilitar-intune-07": "pc_management",
    }


def test_every_item_has_both_languages(catalogue):
    assert Responsibility.objects.count() == 37 + 85
    assert not Responsibility.objects.filter(text_pt="").exists()
    assert not Responsibility.objects.filter(text_en="").exists()
    assert not Responsibility.objects.filter(text_pt=F("text_en")).exists()


def test_loading_again_creates_no_duplicates(catalogue):
    call_command("load_catalogue", "--reload")
    assert Responsibility.objects.count() == 122
    assert Phase.objects.count() == 4


def test_the_shipped_catalogue_is_version_1(catalogue):
    version = CatalogueVersion.objects.get()
    assert (version.number, version.source) == (1, VersionSource.LOADED)
    assert version.items.count() == 122
    assert version_problems() == []


def test_reload_publishes_a_new_version_and_keeps_the_old_one(catalogue, capsys):
    item = Responsibility.objects.get(key="customer-general-01")
    shipped = item.text_en
    Responsibility.objects.filter(pk=item.pk).update(text_en="Edited by an admin")
    catalogue_publish(note="An admin's edit", actor=None)
    call_command("load_catalogue", "--reload")
    assert "published as version 3" in capsys.readouterr().out
    first, edited, reloaded = (
        version.items.get(key=item.key).text_en
        for version in CatalogueVersion.objects.order_by("number")
    )
    assert (first, edited, reloaded) == (shipped, "Edited by an admin", shipped)
    # Only the item that changed is frozen anew; the others are the same records.
    assert CatalogueVersion.objects.get(number=3).items.count() == 122
    assert ResponsibilityVersion.objects.filter(key=item.key).count() == 3
    assert version_problems() == []


def test_reloading_an_unchanged_catalogue_publishes_nothing(catalogue, capsys):
    call_command("load_catalogue", "--reload")
    assert "no change, still version 1" in capsys.readouterr().out
    assert CatalogueVersion.objects.count() == 1


def test_plain_load_leaves_an_admins_edit_alone(catalogue, capsys):
    Responsibility.objects.filter(key="customer-general-01").update(text_en="Edited by an admin")
    call_command("load_catalogue")
    assert "left as it is" in capsys.readouterr().out
    assert Responsibility.objects.get(key="customer-general-01").text_en == "Edited by an admin"


def test_reload_overwrites_on_purpose(catalogue):
    Responsibility.objects.filter(key="customer-general-01").update(text_en="Edited by an admin")
    call_command("load_catalogue", "--reload")
    assert Responsibility.objects.get(key="customer-general-01").text_en != "Edited by an admin"


@pytest.fixture
def broken_fixtures(tmp_path):
    """A copy of the shipped fixtures that a test may spoil."""
    for name in FIXTURE_FILES:
        shutil.copy(FIXTURE_DIR / name, tmp_path / name)

    def spoil(file_name, change):
        path = tmp_path / file_name
        objects = json.loads(path.read_text(encoding="utf-8"))
        change(objects)
        path.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
        return tmp_path

    return spoil


def drop_field(objects):
    del objects[5]["fields"]["text_en"]


def bad_party(objects):
    objects[-1]["fields"]["party"] = "partner"


def missing_parent(objects):
    objects[-1]["fields"]["parent"] = ["microsoft-no-such-item"]


def blank_text(objects):
    objects[3]["fields"]["text_pt"] = ""


@pytest.mark.parametrize(
    "file_name, change, expected",
    [
        ("responsibilities-customer.json", drop_field, r"customer-general-06 is missing text_en"),
        ("responsibilities-customer.json", blank_text, r"customer-general-04 is invalid: text_pt"),
        ("responsibilities-microsoft.json", bad_party, r"microsoft-habilitar-azure-rms-09 .*party"),
        (
            "responsibilities-microsoft.json",
            missing_parent,
            r"microsoft-habilitar-azure-rms-09 cannot be read",
        ),
    ],
)
def test_a_broken_fixture_names_the_item_and_loads_nothing(
    transactional_db, broken_fixtures, file_name, change, expected
):
    Responsibility.objects.all().delete()
    Phase.objects.all().delete()
    fixture_dir = broken_fixtures(file_name, change)
    with pytest.raises(CommandError, match=expected) as error:
        call_command("load_catalogue", fixture_dir=fixture_dir)
    assert str(error.value).startswith("Nothing was loaded.")
    assert Responsibility.objects.count() == 0
    assert Phase.objects.count() == 0


def test_unreadable_json_is_named(transactional_db, tmp_path):
    Responsibility.objects.all().delete()
    Phase.objects.all().delete()
    (tmp_path / "phases.json").write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape("phases.json: cannot be read as JSON")):
        call_command("load_catalogue", fixture_dir=tmp_path)
    assert Phase.objects.count() == 0


def test_a_key_twice_is_refused(transactional_db, broken_fixtures):
    Responsibility.objects.all().delete()
    Phase.objects.all().delete()
    fixture_dir = broken_fixtures(
        "responsibilities-customer.json", lambda objects: objects.append(objects[0])
    )
    with pytest.raises(CommandError, match="customer-general-01 appears twice"):
        call_command("load_catalogue", fixture_dir=fixture_dir)
    assert Responsibility.objects.count() == 0
