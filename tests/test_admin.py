"""Admins edit the catalogue in Django's admin; nobody else gets in."""

import pytest
from django.urls import reverse

from engagements.models import Engagement, Task
from responsibilities.models import Responsibility

CHANGELIST = reverse("admin:responsibilities_responsibility_changelist")


def change_url(item):
    return reverse("admin:responsibilities_responsibility_change", args=[item.pk])


def item_form_data(item, **changes):
    data = {
        "key": item.key,
        "party": item.party,
        "phase": item.phase_id or "",
        "section": item.section,
        "service": item.service,
        "condition": item.condition,
        "parent": item.parent_id or "",
        "position": item.position,
        "text_pt": item.text_pt,
        "text_en": item.text_en,
        "note_pt": item.note_pt,
        "note_en": item.note_en,
        "is_active": "on" if item.is_active else "",
        "evidence_required": "on" if item.evidence_required else "",
        "evidence_hint_pt": item.evidence_hint_pt,
        "evidence_hint_en": item.evidence_hint_en,
    }
    return {**data, **changes}


def test_admin_lists_filters_and_searches_the_catalogue(
    client, ada, catalogue, django_assert_max_num_queries
):
    client.force_login(ada)
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST, {"party": "customer", "phase__id__exact": 2})
    assert response.context["cl"].result_count == 6
    response = client.get(CHANGELIST, {"q": "Exchange Connector"})
    assert [i.key for i in response.context["cl"].result_list] == [
        "microsoft-habilitar-intune-05-b-iv"
    ]


def test_admin_edits_an_item(client, ada, catalogue):
    item = Responsibility.objects.get(key="customer-avaliar-02")
    client.force_login(ada)
    response = client.post(change_url(item), item_form_data(item, text_en="Share your screen."))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.text_en == "Share your screen."


def test_a_sub_item_of_another_party_is_refused_with_a_clear_error(client, ada, catalogue):
    item = Responsibility.objects.get(key="customer-avaliar-02")
    microsoft_parent = Responsibility.objects.get(key="microsoft-avaliar-02")
    client.force_login(ada)
    response = client.post(change_url(item), item_form_data(item, parent=microsoft_parent.pk))
    assert response.status_code == 200
    assert "mesma parte, fase e seção" in response.content.decode()
    item.refresh_from_db()
    assert item.parent is None


def test_blank_portuguese_text_is_refused(client, ada, catalogue):
    item = Responsibility.objects.get(key="customer-avaliar-02")
    client.force_login(ada)
    response = client.post(change_url(item), item_form_data(item, text_pt=""))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["text_pt"]
    item.refresh_from_db()
    assert item.text_pt


def test_admin_retires_items(client, ada, catalogue):
    keys = ["customer-general-01", "customer-general-02"]
    ids = Responsibility.objects.filter(key__in=keys).values_list("pk", flat=True)
    client.force_login(ada)
    client.post(CHANGELIST, {"action": "retire", "_selected_action": list(ids)})
    assert not Responsibility.objects.filter(key__in=keys, is_active=True).exists()


def test_an_item_that_engagements_use_cannot_be_deleted(client, ada, engagement):
    item = Responsibility.objects.get(key="customer-avaliar-02")
    client.force_login(ada)
    url = reverse("admin:responsibilities_responsibility_delete", args=[item.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Responsibility.objects.filter(pk=item.pk).exists()
    assert Task.objects.filter(responsibility=item).exists()


def test_an_unused_item_can_be_deleted(client, ada, catalogue):
    item = Responsibility.objects.get(key="customer-avaliar-02")
    client.force_login(ada)
    url = reverse("admin:responsibilities_responsibility_delete", args=[item.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Responsibility.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("persona", ["carla", "vera"])
def test_non_staff_are_kept_out_of_the_admin(client, catalogue, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    item = Responsibility.objects.get(key="customer-avaliar-02")
    response = client.post(change_url(item), item_form_data(item, text_en="Hacked"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    item.refresh_from_db()
    assert item.text_en != "Hacked"


def test_creating_an_engagement_in_the_admin_snapshots_the_catalogue(client, ada, catalogue):
    client.force_login(ada)
    response = client.post(
        reverse("admin:engagements_engagement_add"),
        {
            "customer": "Adventure Works",
            "licence_count": 300,
            "purchase_date": "2026-10-01",
            "start_date": "2026-10-10",
            "azure_rms": "on",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    engagement = Engagement.objects.get(customer="Adventure Works")
    assert engagement.tasks.filter(section="azure_rms").exists()
    assert not engagement.tasks.filter(section="intune").exists()


def test_the_admin_refuses_an_ineligible_engagement(client, ada, catalogue):
    client.force_login(ada)
    response = client.post(
        reverse("admin:engagements_engagement_add"),
        {
            "customer": "Too Small",
            "licence_count": 20,
            "purchase_date": "2026-10-01",
            "start_date": "2026-10-10",
            "intune": "on",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "150" in str(response.context["adminform"].form.errors["licence_count"])
    assert not Engagement.objects.exists()


def test_the_admin_lists_items_whose_english_is_missing(client, ada, catalogue):
    Responsibility.objects.filter(key="customer-general-03").update(text_en="")
    Responsibility.objects.filter(key="microsoft-habilitar-core-05").update(note_en="")
    client.force_login(ada)
    response = client.get(CHANGELIST, {"translation": "missing"})
    keys = sorted(item.key for item in response.context["cl"].result_list)
    assert keys == ["customer-general-03", "microsoft-habilitar-core-05"]


def test_a_missing_translation_falls_back_to_portuguese(client, carla, engagement):
    from accounts.models import Profile
    from engagements.models import Task

    task = engagement.tasks.filter(party="customer", phase__isnull=False).first()
    Task.objects.filter(pk=task.pk).update(text_en="")
    Profile.objects.create(user=carla, language="en")
    client.force_login(carla)
    html = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert task.text_pt in html
