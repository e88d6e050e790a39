"""Teams channels beside JSON webhooks, and deliveries owed by the clock (a reminder, tasks
overdue) rather than by an event: each delivery names its engagement and what it is."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

# The event kinds JSON webhooks carried before this migration, under their receivers' names.
_TOPICS = {
    "task_done": "task.done",
    "task_reopened": "task.undone",
    "owner_changed": "task.owner_changed",
    "gate_signed": "phase.signed",
    "gate_reopened": "phase.reopened",
    "checkpoint_scheduled": "checkpoint.scheduled",
    "checkpoint_changed": "checkpoint.changed",
    "checkpoint_cancelled": "checkpoint.cancelled",
    "tenant_confirmed": "tenant.confirmed",
    "tenant_drift": "tenant.drift",
}


def name_earlier_deliveries(apps, schema_editor):
    WebhookDelivery = apps.get_model("webhooks", "WebhookDelivery")
    ActivityEvent = apps.get_model("engagements", "ActivityEvent")
    event = ActivityEvent.objects.filter(pk=OuterRef("event_id"))
    WebhookDelivery.objects.update(engagement_id=Subquery(event.values("engagement_id")[:1]))
    for kind, topic in _TOPICS.items():
        WebhookDelivery.objects.filter(event__kind=kind).update(topic=topic)


class Migration(migrations.Migration):
    # PostgreSQL will not add NOT NULL to a column whose rows were just updated in the same
    # transaction while their foreign key checks are deferred: each step commits on its own.
    atomic = False

    dependencies = [
        ("engagements", "0036_catalogue_apply_jobs"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhook",
            name="kind",
            field=models.CharField(
                choices=[("json", "Signed JSON"), ("teams", "Teams channel (Workflows)")],
                default="json",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="webhook",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("pt-br", "Portuguese (Brazil)"), ("en", "English")],
                max_length=10,
                verbose_name="language",
            ),
        ),
        migrations.AddField(
            model_name="webhook",
            name="time_zone",
            field=models.CharField(blank=True, max_length=64, verbose_name="time zone"),
        ),
        migrations.AlterField(
            model_name="webhook",
            name="secret",
            field=models.CharField(blank=True, max_length=200, verbose_name="secret"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="engagements.activityevent",
            ),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="engagement",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="engagements.engagement",
            ),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="topic",
            field=models.CharField(default="", max_length=40, verbose_name="event"),
            preserve_default=False,
        ),
        migrations.RunPython(name_earlier_deliveries, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="engagement",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="engagements.engagement",
            ),
        ),
    ]
