import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Takes over the profiles table that engagements renamed (no rows are copied)."""

    initial = True

    dependencies = [
        ("engagements", "0009_profile_moves_to_accounts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Profile",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("language", models.CharField(choices=[("pt-br", "Portuguese (Brazil)"), ("en", "English")], default="pt-br", max_length=10, verbose_name="language")),
                        ("time_zone", models.CharField(default="America/Sao_Paulo", max_length=64, verbose_name="time zone")),
                        ("receives_digest", models.BooleanField(default=True, help_text="At 08:00 your time: overdue tasks and those due within 7 days.", verbose_name="daily digest")),
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="profile", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "profile",
                        "verbose_name_plural": "profiles",
                    },
                ),
            ],
        ),
    ]
