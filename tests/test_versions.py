"""Catalogue versions: publishing the draft, what each version changed, and their record."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from responsibilities.diff import ChangeKind, draft_changes, version_changes
from responsibilities.models import (
    CatalogueEvent,
    CatalogueVersion,
    Phase,
    Responsibility,
    ResponsibilityVersion,
)
from responsibilities.publishing import catalogue_publish
from responsibilities.services import responsibility_save
from responsibilities.trail import version_problems

from .test_admin import change_url, item_form_data

PUBLISH = reverse("admin:responsibilities_catalogueversion_add")


def edit(key, **fields):
    Responsibility.objects.filter(key=key).update(**fields)


def add_item(key="customer-avaliar-07", **fields):
    values = {
        "key": key,
        "party": "customer",
        "phase": Phase.objects.get(code="avaliar"),
        "position": 27,
        "text_pt": "Revise o plano de migração com a Microsoft.",
        "text_en": "Review the migration plan with Microsoft.",
    }
    return responsibility_save(item=Responsibility(**{**values, **fields}), actor=None)


def published_changes(ada, note="Ajustes"):
    return {
        change.key: change for change in version_changes(catalogue_publish(note=note, actor=ada))
    }


def test_publishing_freezes_the_draft_as_the_next_version(catalogue, ada):
    edit("customer-avaliar-01", text_en="Name the people who take part.")
    version = catalogue_publish(note="Wording", actor=ada)
    assert (version.number, version.note, version.published_by) == (2, "Wording", ada)
    assert version.items.count() == 122
    # Only the changed item is frozen anew; every other record is version 1's.
    first = CatalogueVersion.objects.get(number=1)
    assert set(version.items.all()) - set(first.items.all()) == {
        ResponsibilityVersion.objects.get(key="customer-avaliar-01", versions=version)
    }
    event = CatalogueEvent.objects.order_by("-sequence").first()
    assert (event.kind, event.actor) == ("published", ada)
    assert '"version": 2' in event.new_value
    assert version_problems() == []


def test_an_unchanged_draft_is_not_published(catalogue, ada):
    with translation.override("en"), pytest.raises(ValidationError, match="since version 1"):
        catalogue_publish(note="Nada", actor=ada)
    assert CatalogueVersion.objects.count() == 1


@pytest.mark.parametrize("note", ["", "   ", "x" * 2001, "linha\x00"])
def test_a_publish_needs_a_sound_note(catalogue, ada, note):
    edit("customer-avaliar-01", text_en="Changed")
    with pytest.raises(ValidationError):
        catalogue_publish(note=note, actor=ada)
    assert CatalogueVersion.objects.count() == 1


def test_an_added_item(catalogue, ada):
    add_item()
    change = published_changes(ada)["customer-avaliar-07"]
    assert change.kinds == [ChangeKind.ADDED]
    assert change.text == "Revise o plano de migração com a Microsoft."


@pytest.mark.parametrize("field", ["text_pt", "text_en", "note_pt", "note_en"])
def test_an_item_reworded_in_either_language(catalogue, ada, field):
    edit("customer-avaliar-02", **{field: "Texto novo"})
    change = published_changes(ada)["customer-avaliar-02"]
    assert change.kinds == [ChangeKind.REWORDED]
    (told,) = change.fields
    assert told.new == "Texto novo"
    assert told.label.startswith("texto" if field.startswith("text") else "observação")


def test_a_retired_item_and_one_brought_back(catalogue, ada):
    edit("microsoft-avaliar-01", is_active=False)
    assert published_changes(ada)["microsoft-avaliar-01"].kinds == [ChangeKind.RETIRED]
    edit("microsoft-avaliar-01", is_active=True)
    assert published_changes(ada)["microsoft-avaliar-01"].kinds == [ChangeKind.REACTIVATED]


def test_an_item_moved_between_phases_is_told_by_phase_name(catalogue, ada):
    edit("customer-avaliar-06", phase=Phase.objects.get(code="corrigir"), position=30)
    change = published_changes(ada)["customer-avaliar-06"]
    assert change.kinds == [ChangeKind.MOVED]
    assert [(f.label, f.old, f.new) for f in change.fields] == [("fase", "Avaliar", "Corrigir")]


def test_changed_conditions_are_told_in_words(catalogue, ada):
    edit("microsoft-habilitar-intune-05", condition="mam")
    change = published_changes(ada)["microsoft-habilitar-intune-05"]
    assert change.kinds == [ChangeKind.CONDITIONS]
    ((_label, old, new),) = [(f.label, f.old, f.new) for f in change.fields]
    assert (old, new) == ("se MDM estiver no escopo", "se MAM estiver no escopo")


def test_an_evidence_rule_and_a_new_place_in_the_list(catalogue, ada):
    edit("customer-iniciar-01", evidence_required=True)
    edit("customer-iniciar-02", position=99)
    changes = published_changes(ada)
    assert changes["customer-iniciar-01"].kinds == [ChangeKind.EVIDENCE]
    assert changes["customer-iniciar-02"].kinds == [ChangeKind.REORDERED]


def test_a_deleted_unused_item_leaves_the_next_version(catalogue, ada, client):
    client.force_login(ada)
    item = Responsibility.objects.get(key="customer-avaliar-02")
    url = reverse("admin:responsibilities_responsibility_delete", args=[item.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    version = catalogue_publish(note="Removido", actor=ada)
    assert [c.kinds for c in version_changes(version)] == [[ChangeKind.REMOVED]]
    assert version.items.count() == 121
    # Version 1 still holds it as it was published.
    assert CatalogueVersion.objects.get(number=1).items.filter(key=item.key).exists()


def test_a_published_item_keeps_its_key_and_party(client, ada, catalogue):
    item = Responsibility.objects.get(key="customer-avaliar-02")
    client.force_login(ada)
    response = client.post(change_url(item), item_form_data(item, key="customer-avaliar-99"))
    assert response.status_code == 200
    assert "mantém sua chave" in response.content.decode()
    response = client.post(change_url(item), item_form_data(item, party="microsoft"))
    assert "mantém sua parte" in response.content.decode()
    item.refresh_from_db()
    assert (item.key, item.party) == ("customer-avaliar-02", "customer")


def test_an_admin_previews_the_draft_and_publishes_it(client, ada, catalogue):
    add_item()
    edit("customer-avaliar-02", text_pt="Compartilhe a tela quando combinado.")
    client.force_login(ada)
    page = client.get(PUBLISH)
    assert [c.key for c in page.context["changes"]] == [
        "customer-avaliar-02",
        "customer-avaliar-07",
    ]
    html = page.content.decode()
    assert "Compartilhe a tela quando combinado." in html and "reformulado" in html
    response = client.post(PUBLISH, {"note": "Texto revisto e um item novo"})
    version = CatalogueVersion.objects.get(number=2)
    assert response["Location"] == reverse(
        "admin:responsibilities_catalogueversion_change", args=[version.pk]
    )
    assert draft_changes() == []
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Texto revisto e um item novo" in html
    assert "O que mudou em relação à versão 1" in html
    assert "adicionado" in html


def test_publishing_nothing_says_so(client, ada, catalogue):
    client.force_login(ada)
    html = client.get(PUBLISH).content.decode()
    assert "não há o que publicar" in html
    response = client.post(PUBLISH, {"note": "Nada"})
    assert response.status_code == 200
    assert CatalogueVersion.objects.count() == 1


def test_versions_are_never_edited_or_deleted_in_the_admin(client, ada, catalogue):
    version = CatalogueVersion.objects.get()
    client.force_login(ada)
    assert (
        client.get(reverse("admin:responsibilities_catalogueversion_changelist")).status_code == 200
    )
    url = reverse("admin:responsibilities_catalogueversion_delete", args=[version.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert CatalogueVersion.objects.filter(pk=version.pk).exists()


@pytest.mark.parametrize("persona", ["carla", "vera"])
def test_only_staff_publish(client, catalogue, request, persona):
    edit("customer-avaliar-01", text_en="Changed")
    client.force_login(request.getfixturevalue(persona))
    response = client.post(PUBLISH, {"note": "Hacked"})
    assert response["Location"].startswith(reverse("admin:login"))
    assert CatalogueVersion.objects.count() == 1


def test_verify_audit_names_a_published_item_changed_afterwards(catalogue, ada):
    edit("customer-avaliar-01", text_en="Changed")
    catalogue_publish(note="Wording", actor=ada)
    ResponsibilityVersion.objects.filter(key="customer-avaliar-01", versions__number=2).update(
        text_en="Rewritten in the database"
    )
    assert version_problems() == ["catalogue version 2: its items differ from the ones published"]


@pytest.mark.parametrize(
    ("field", "reworded", "stale"),
    [
        ("text_pt", "texto (português) reformulado", "texto (inglês) sem mudança"),
        ("text_en", "texto (inglês) reformulado", "texto (português) sem mudança"),
    ],
)
def test_publishing_a_text_reworded_in_one_language_warns_the_other_is_stale(
    client, ada, catalogue, field, reworded, stale
):
    edit("customer-avaliar-02", **{field: "Compartilhe a tela quando combinado."})
    client.force_login(ada)
    html = client.get(PUBLISH).content.decode()
    assert "Reformulado em um só idioma" in html
    assert f"{reworded}, {stale}" in html.replace("\\n", " ")
    response = client.post(PUBLISH, {"note": "Texto revisto"}, follow=True)
    assert CatalogueVersion.objects.count() == 2  # a warning, not a refusal
    assert "1 texto foi reformulado em um só idioma" in response.content.decode()


def test_a_text_reworded_in_both_languages_gives_no_warning(client, ada, catalogue):
    edit("customer-avaliar-02", text_pt="Compartilhe a tela.", text_en="Share the screen.")
    add_item()  # a new item has no earlier words to fall behind
    client.force_login(ada)
    assert "Reformulado em um só idioma" not in client.get(PUBLISH).content.decode()
    response = client.post(PUBLISH, {"note": "Texto revisto"}, follow=True)
    assert "reformulado em um só idioma" not in response.content.decode()
