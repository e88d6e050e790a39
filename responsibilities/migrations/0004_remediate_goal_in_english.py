from django.db import migrations

OLD = (
    "The customer carries the plan out; both sides verify the result together before "
    "Habilitar starts."
)
NEW = "The customer carries the plan out; both sides verify the result together before Enable starts."


def name_the_phase_in_english(apps, schema_editor):
    # Only the shipped wording: an admin's own rewording stays.
    apps.get_model("responsibilities", "Phase").objects.filter(
        code="corrigir", goal_en=OLD
    ).update(goal_en=NEW)


class Migration(migrations.Migration):
    dependencies = [("responsibilities", "0003_protect_event_actors")]

    operations = [migrations.RunPython(name_the_phase_in_english, migrations.RunPython.noop)]
