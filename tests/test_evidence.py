"""Evidence on tasks: the catalogue's rule, files and links, the done rule, comments."""

from django.urls import reverse
from django.utils import translation

from engagements.models import Task
from responsibilities.models import CatalogueEvent, Responsibility

from .factories import make_engagement
from .test_admin import change_url, item_form_data

# The shipped items that plainly produce a document or a verification (README lists them).
NEEDS_EVIDENCE = {
    "customer-avaliar-03",
    "customer-avaliar-06",
    "microsoft-avaliar-03",
    "microsoft-avaliar-04",
    "customer-corrigir-01",
    "customer-habilitar-08",
    "microsoft-habilitar-core-04",
}


def test_the_shipped_catalogue_marks_the_items_that_produce_evidence(catalogue):
    marked = Responsibility.objects.filter(evidence_required=True)
    assert set(marked.values_list("key", flat=True)) == NEEDS_EVIDENCE
    assert all(item.evidence_hint_pt and item.evidence_hint_en for item in marked)


def test_tasks_copy_the_rule_and_show_the_hint_in_the_active_language(engagement, ada):
    task = engagement.tasks.get(responsibility__key="microsoft-avaliar-04")
    assert task.evidence_required
    with translation.override("en"):
        assert task.evidence_hint == "The remediation checklist given to the customer."
    with translation.override("pt-br"):
        assert task.evidence_hint == "A lista de verificação de correção entregue ao cliente."
    assert not engagement.tasks.get(responsibility__key="customer-iniciar-01").evidence_required


def test_a_later_catalogue_edit_leaves_running_engagements_alone(client, ada, engagement):
    item = Responsibility.objects.get(key="customer-iniciar-01")
    client.force_login(ada)
    response = client.post(
        change_url(item),
        item_form_data(
            item, evidence_required="on", evidence_hint_en="Minutes", evidence_hint_pt="Ata"
        ),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.evidence_required and item.evidence_hint_pt == "Ata"
    event = CatalogueEvent.objects.order_by("-sequence").first()
    assert '"evidence_required": true' in event.new_value
    assert not engagement.tasks.get(responsibility=item).evidence_required
    fresh = make_engagement(created_by=ada, customer="Later")
    task = Task.objects.get(engagement=fresh, responsibility=item)
    assert task.evidence_required and task.evidence_hint_en == "Minutes"


def test_the_task_row_shows_what_evidence_is_needed(client, carla, engagement):
    task = engagement.tasks.get(responsibility__key="customer-avaliar-03")
    client.force_login(carla)
    html = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    row = html[html.index(f'id="task-{task.pk}"') :]
    assert (
        "A lista de verificação de correção e o plano geral acordados." in row[: row.index("</li>")]
    )
