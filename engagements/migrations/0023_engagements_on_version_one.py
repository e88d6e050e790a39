"""Engagements made before versions are on version 1, the catalogue as it stood then; a task
points at its item in version 1 only where it holds that item's texts (one copied from an
earlier wording keeps no item version, rather than claim one it was not copied from)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def point_at_version_one(apps, schema_editor):
    CatalogueVersion = apps.get_model("responsibilities", "CatalogueVersion")
    ResponsibilityVersion = apps.get_model("responsibilities", "ResponsibilityVersion")
    Engagement = apps.get_model("engagements", "Engagement")
    Task = apps.get_model("engagements", "Task")
    first = CatalogueVersion.objects.filter(number=1).first()
    if first is None:
        return
    Engagement.objects.filter(catalogue_version__isnull=True).update(catalogue_version=first)
    same_texts = ResponsibilityVersion.objects.filter(
        versions=first,
        responsibility=OuterRef("responsibility"),
        text_pt=OuterRef("text_pt"),
        text_en=OuterRef("text_en"),
        note_pt=OuterRef("catalogue_note_pt"),
        note_en=OuterRef("catalogue_note_en"),
        evidence_required=OuterRef("evidence_required"),
        evidence_hint_pt=OuterRef("evidence_hint_pt"),
        evidence_hint_en=OuterRef("evidence_hint_en"),
    ).values("pk")[:1]
    Task.objects.filter(item_version__isnull=True, responsibility__isnull=False).update(
        item_version=Subquery(same_texts)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0022_catalogue_versions"),
        ("responsibilities", "0008_version_one"),
    ]

    operations = [migrations.RunPython(point_at_version_one, migrations.RunPython.noop)]
