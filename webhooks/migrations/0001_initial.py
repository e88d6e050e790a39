"""The webhooks app takes over its models from the engagements app: only Django's record of the
models is made here; the tables (engagements_...) exist already and keep their rows."""

import django.db.models.deletion
import django.utils.timezone
import fasttrack.bounds
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
                    name='Webhook',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.URLField(max_length=2000, validators=[fasttrack.bounds.validate_https_url], verbose_name='address')),
                        ('secret', models.CharField(max_length=200, verbose_name='secret')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='registered')),
                        ('engagement', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='webhooks', to='engagements.engagement', verbose_name='engagement')),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhooks', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'webhook',
                        'verbose_name_plural': 'webhooks',
                        'db_table': 'engagements_webhook',
                        'ordering': ['created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=100, unique=True)),
                        ('body', models.TextField()),
                        ('status', models.CharField(choices=[('pending', 'waiting'), ('sending', 'being sent'), ('delivered', 'delivered'), ('failed', 'failed')], default='pending', max_length=20, verbose_name='status')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                        ('queued_at', models.DateTimeField(blank=True, null=True)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('claim_token', models.CharField(blank=True, max_length=32)),
                        ('response_status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='answer')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='delivered')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engagements.activityevent')),
                        ('webhook', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='webhooks.webhook')),
                    ],
                    options={
                        'verbose_name': 'webhook delivery',
                        'verbose_name_plural': 'webhook deliveries',
                        'db_table': 'engagements_webhookdelivery',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='engagements_status_5a31c0_idx')],
                    },
                ),
            ],
        ),
        content_types_move(['webhook', 'webhookdelivery'], from_app="engagements", to_app="webhooks"),
    ]
