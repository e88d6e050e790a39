from django.db import migrations, models


class Migration(migrations.Migration):
    """The chain heads' model, taken over from the catalogue app with its table and rows: in
    the state only, since the table already exists."""

    initial = True

    dependencies = [
        # Where the table was made (as the catalogue app's); a fresh database makes it there.
        ("responsibilities", "0005_audit_chain_heads"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditChainHead",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "chain",
                            models.CharField(
                                choices=[("engagement", "Engagement"), ("catalogue", "Catalogue")],
                                max_length=20,
                            ),
                        ),
                        ("owner", models.PositiveBigIntegerField(default=0)),
                        ("length", models.PositiveIntegerField(default=0)),
                        ("head", models.CharField(blank=True, max_length=64)),
                    ],
                    options={
                        "db_table": "responsibilities_auditchainhead",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("chain", "owner"), name="one_head_per_chain"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
