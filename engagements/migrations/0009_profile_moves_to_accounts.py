from django.db import migrations


class Migration(migrations.Migration):
    """Profiles now belong to the accounts app: the table is renamed, its rows stay."""

    dependencies = [
        ("engagements", "0008_notification_queued_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="profile", table="accounts_profile"),
            ],
            state_operations=[
                migrations.DeleteModel(name="Profile"),
            ],
        ),
    ]
