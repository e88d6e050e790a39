"""A catalogue that existed before versions becomes version 1, so every engagement made from it
can point at the version (and each task at the item) it came from."""

from django.db import migrations
from django.utils import timezone

COPIED = [
    "key",
    "party",
    "section",
    "service",
    "condition",
    "position",
    "text_pt",
    "text_en",
    "note_pt",
    "note_en",
    "is_active",
    "evidence_required",
    "evidence_hint_pt",
    "evidence_hint_en",
]


def freeze_version_one(apps, schema_editor):
    Responsibility = apps.get_model("responsibilities", "Responsibility")
    ResponsibilityVersion = apps.get_model("responsibilities", "ResponsibilityVersion")
    CatalogueVersion = apps.get_model("responsibilities", "CatalogueVersion")
    items = list(Responsibility.objects.select_related("phase", "parent"))
    if not items or CatalogueVersion.objects.exists():
        return
    frozen = ResponsibilityVersion.objects.bulk_create(
        ResponsibilityVersion(
            responsibility_id=item.pk,
            phase_code=item.phase.code if item.phase_id else "",
            parent_key=item.parent.key if item.parent_id else "",
            **{name: getattr(item, name) for name in COPIED},
        )
        for item in items
    )
    version = CatalogueVersion.objects.create(
        number=1, note="", source="migrated", published_at=timezone.now()
    )
    version.items.set(frozen)


class Migration(migrations.Migration):
    dependencies = [("responsibilities", "0007_catalogue_versions")]

    operations = [migrations.RunPython(freeze_version_one, migrations.RunPython.noop)]
