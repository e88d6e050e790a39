from django.db import migrations, models

BATCH = 2000
# What at_risk_by reads, named here: the model's columns may change after this migration.
READ = [
    "status_first_due",
    "status_on_plan_until_p50",
    "status_on_plan_until_p85",
    "status_planned_end",
    "status_forecast",
    "status_customer_done",
    "status_customer_total",
    "status_microsoft_done",
    "status_microsoft_total",
    "status_quiet_since",
    "status_gate_waiting_since",
]


def fill_at_risk_by(apps, schema_editor):
    """From the status already stored, so the on-track filter is right from the first
    request after the upgrade (left empty, every engagement would be read and checked)."""
    from engagements.status.sql import at_risk_by

    Engagement = apps.get_model("engagements", "Engagement")
    batch = []
    for engagement in Engagement.objects.only("pk", *READ).order_by("pk").iterator(BATCH):
        engagement.status_at_risk_by = at_risk_by(vars(engagement))
        batch.append(engagement)
        if len(batch) == BATCH:
            Engagement.objects.bulk_update(batch, ["status_at_risk_by"])
            batch = []
    Engagement.objects.bulk_update(batch, ["status_at_risk_by"])


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0043_feed_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="engagement",
            name="status_at_risk_by",
            field=models.DateTimeField(db_index=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_at_risk_by, migrations.RunPython.noop, elidable=True),
    ]
