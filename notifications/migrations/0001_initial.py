"""The notifications app takes over its models from the engagements app: only Django's record of the
models is made here; the tables (engagements_...) exist already and keep their rows."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from fasttrack.content_types import content_types_move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('engagements', '0032_notifications_and_webhooks_become_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200, unique=True, verbose_name='key')),
                        ('kind', models.CharField(choices=[('checkpoint_reminder', 'checkpoint reminder'), ('checkpoint_cancelled', 'cancellation notice'), ('checkpoint_updated', 'checkpoint update'), ('task_due_tomorrow', 'task due tomorrow'), ('task_overdue', 'task overdue'), ('digest', 'daily digest'), ('invitation', 'invitation'), ('task_assigned', 'task assigned'), ('gate_signed', 'phase signed off'), ('gate_reopened', 'phase reopened'), ('gate_ready', 'phase ready for sign-off'), ('checkpoint_report', 'status report after a checkpoint')], max_length=30, verbose_name='kind')),
                        ('minutes_before', models.PositiveIntegerField(blank=True, null=True, verbose_name='minutes before')),
                        ('owed_for', models.DateTimeField(blank=True, null=True, verbose_name='owed for the start at')),
                        ('sequence', models.PositiveIntegerField(blank=True, null=True, verbose_name='calendar sequence')),
                        ('due_at', models.DateTimeField(verbose_name='due')),
                        ('status', models.CharField(choices=[('pending', 'waiting'), ('sending', 'being sent'), ('sent', 'sent'), ('failed', 'failed'), ('dropped', 'dropped: its moment passed'), ('skipped', 'skipped: nothing to send'), ('withdrawn', 'withdrawn: rescheduled or cancelled')], default='pending', max_length=20, verbose_name='status')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                        ('queued_at', models.DateTimeField(blank=True, null=True, verbose_name='queued')),
                        ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='claimed')),
                        ('claim_token', models.CharField(blank=True, max_length=32, verbose_name='claim')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('checkpoint', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='engagements.checkpoint', verbose_name='checkpoint')),
                        ('engagement', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engagements.engagement', verbose_name='engagement')),
                        ('event', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engagements.activityevent', verbose_name='event')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                        ('report', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='engagements.checkpointreport', verbose_name='report')),
                        ('task', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='engagements.task', verbose_name='task')),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'db_table': 'engagements_notification',
                        'ordering': ['due_at', 'pk'],
                        'indexes': [models.Index(fields=['status', 'due_at'], name='engagements_status_d8689b_idx'), models.Index(fields=['kind', 'created_at'], name='engagements_kind_2a05e4_idx')],
                    },
                ),
            ],
        ),
        content_types_move(['notification'], from_app="engagements", to_app="notifications"),
    ]
