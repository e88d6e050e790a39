"""The engagement's stored status: what the portfolio sorts, filters and counts by, kept on the
engagement row so every portfolio view is one query over one table with its indexes.

It is a pure function of the engagement's rows (tasks, gates' sign-offs, checkpoints, events):
`engagement_status_refresh` (engagements/status/refresh.py) recomputes it from them in the
transaction of every change, and `manage.py engagement_status --check` recomputes and compares.
Nothing in it depends on today: what does ("overdue", "quiet for 14 days", "checkpoint within
3 days") is decided in SQL from the stored dates when a page asks (engagements/status/sql.py).
"""

from django.db import models

from engagements.models.fields import BooleanListField, DateListField, DateTimeListField
from responsibilities.models import Phase


class StoredStatus(models.Model):
    """The stored status columns; general responsibilities count in none of them."""

    # The earliest phase whose gate is not closed; None once every gate is (or before the
    # first refresh: `engagement_status --rebuild` fills an engagement made before this).
    status_current_phase = models.ForeignKey(
        Phase, on_delete=models.PROTECT, null=True, editable=False, related_name="+"
    )
    # Whom the current phase waits on: "customer", "microsoft", "both" ("" when completed).
    status_waiting_on = models.CharField(max_length=10, blank=True, editable=False)
    status_customer_done = models.PositiveIntegerField(default=0, editable=False)
    status_customer_total = models.PositiveIntegerField(default=0, editable=False)
    status_microsoft_done = models.PositiveIntegerField(default=0, editable=False)
    status_microsoft_total = models.PositiveIntegerField(default=0, editable=False)
    # Tally.percent of the two parties, so the progress sorts round as the pages do.
    status_customer_percent = models.PositiveSmallIntegerField(default=0, editable=False)
    status_microsoft_percent = models.PositiveSmallIntegerField(default=0, editable=False)
    # The due dates of each party's open tasks, one per task, sorted: overdue today is how
    # many fall before today. The earliest of both, alone, says whether any is overdue.
    status_customer_due = DateListField()
    status_microsoft_due = DateListField()
    status_first_due = models.DateField(null=True, editable=False)
    # Every checkpoint not cancelled, by start, and whether its phase is less than half done:
    # the next one is the first that starts after now.
    status_checkpoints = DateTimeListField()
    status_checkpoint_behind = BooleanListField()
    status_last_activity_at = models.DateTimeField(null=True, editable=False)
    # Where the quiet count starts: the last event, or midnight of the start date before any.
    status_quiet_since = models.DateTimeField(null=True, editable=False)
    # What the matrix and the rows show: done / total / awaiting per phase and party, and the
    # sign-offs in force, as [phase id, party, ...] lists.
    status_phases = models.JSONField(default=dict, editable=False)
    # The plan (engagements/planning/): the current version's and the baseline's end, and the
    # forecast from the engagement's own throughput as days of work left counted from the day
    # it is read, so it slips as idle days pass and nothing stored goes stale.
    status_plan_version = models.PositiveSmallIntegerField(default=0, editable=False)
    status_planned_end = models.DateField(null=True, editable=False)
    status_baseline_end = models.DateField(null=True, editable=False)
    status_forecast = models.CharField(max_length=10, blank=True, editable=False)
    status_forecast_p50_days = models.PositiveIntegerField(null=True, editable=False)
    status_forecast_p85_days = models.PositiveIntegerField(null=True, editable=False)
    # The planned end less each forecast's days: the last day on which that forecast still
    # ends on plan. A reader's slip is today minus it, so the slip sorts by an index.
    status_on_plan_until_p50 = models.DateField(null=True, editable=False, db_index=True)
    status_on_plan_until_p85 = models.DateField(null=True, editable=False)
    # The day the last gate closed: what a finished engagement compares with its plan.
    status_finished_on = models.DateField(null=True, editable=False)
    # Since when the current phase's tasks are all done and its gate waits for a sign-off.
    status_gate_waiting_since = models.DateTimeField(null=True, editable=False)
    # Per phase: planned and baseline dates, the forecast's days, the day its gate closed
    # (engagements/planning/selectors.py reads it back).
    status_plan = models.JSONField(default=dict, editable=False)
    # The moment from which a rule that stays true until the next change (overdue, late, at
    # risk by the forecast, quiet, a gate waiting) holds for every reader, wherever they are;
    # None if none will. The "on track" filter reads only the engagements this has not passed,
    # by an index (engagement_on_track_scan), and decides them by the rules
    # (engagements/status/sql.py: on_track).
    status_at_risk_by = models.DateTimeField(null=True, editable=False)

    class Meta:
        abstract = True


# The columns above, in order: what the refresh writes and what --check compares.
STORED_FIELDS = tuple(field.attname for field in StoredStatus._meta.local_fields)
