"""Every engagement made before plans existed gets its baseline, from its start date and the
catalogue's typical phase durations, as engagements/planning/services.py plans a new one. These
plans have no event (nobody made them); `engagement_status --rebuild` then stores their status."""

import datetime

from django.db import migrations


def plan_existing_engagements(apps, schema_editor):
    Engagement = apps.get_model("engagements", "Engagement")
    Plan = apps.get_model("engagements", "Plan")
    PlannedPhase = apps.get_model("engagements", "PlannedPhase")
    Phase = apps.get_model("responsibilities", "Phase")
    phases = list(Phase.objects.order_by("order"))
    unplanned = Engagement.objects.filter(plans__isnull=True).values_list("pk", "start_date")
    for engagement_id, start_date in unplanned.iterator():
        plan = Plan.objects.create(engagement_id=engagement_id, version=1)
        rows, starts_on = [], start_date
        for phase in phases:
            ends_on = starts_on + datetime.timedelta(days=phase.typical_days)
            rows.append(
                PlannedPhase(plan=plan, phase=phase, starts_on=starts_on, ends_on=ends_on)
            )
            starts_on = ends_on
        PlannedPhase.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0037_planning_plans_and_forecast"),
        ("responsibilities", "0010_planning_typical_days"),
    ]

    operations = [migrations.RunPython(plan_existing_engagements, migrations.RunPython.noop)]
