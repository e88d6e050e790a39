from django.db import migrations


class Migration(migrations.Migration):
    """The chain heads' model leaves for the trail app, which keeps its table and rows: the
    state forgets it here, the database keeps it."""

    dependencies = [
        ("responsibilities", "0008_version_one"),
        # Trail has taken the model over first, so some app always holds it.
        ("trail", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditChainHead")],
            database_operations=[],
        ),
    ]
