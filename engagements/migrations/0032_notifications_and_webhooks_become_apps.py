"""Notification, Webhook and WebhookDelivery move to the notifications and webhooks apps: only
Django's record of the models changes; their tables keep their names and rows."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('engagements', '0031_least_overdue_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='webhook',
                    name='engagement',
                ),
                migrations.RemoveField(
                    model_name='webhook',
                    name='owner',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='webhook',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='event',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='Webhook',
                ),
                migrations.DeleteModel(
                    name='WebhookDelivery',
                ),
            ],
        ),
    ]
