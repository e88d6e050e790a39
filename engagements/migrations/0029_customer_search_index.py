"""A trigram index for the customer searches of the engagement list and the portfolio.

Both filter with `customer__icontains`, which PostgreSQL runs as UPPER(customer::text) LIKE
'%...%': no btree helps, so at 100,000 engagements every search read the whole table. A GIN
index over the same expression with pg_trgm answers it from the index. PostgreSQL only (pg_trgm
is a trusted extension from PostgreSQL 13, so the database's owner may create it); SQLite keeps
scanning, as it always did.
"""

from django.db import migrations

INDEX = "engagement_customer_search"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON engagements_engagement "
            "USING gin (UPPER(customer::text) gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("engagements", "0028_portfolio_indexes")]

    operations = [migrations.RunPython(create_index, drop_index)]
