"""A migration operation for a model that moves to another app with its table."""

from django.db import migrations


def content_types_move(models: list[str], from_app: str, to_app: str) -> migrations.RunPython:
    """Move the models' content types to `to_app`: permissions and admin history point at a
    model's content type, so staff keep what they were given. Reversible."""

    def relabel(source: str, target: str):
        def run(apps, schema_editor):
            content_type = apps.get_model("contenttypes", "ContentType")
            content_type.objects.filter(app_label=source, model__in=models).update(app_label=target)

        return run

    return migrations.RunPython(relabel(from_app, to_app), relabel(to_app, from_app))
