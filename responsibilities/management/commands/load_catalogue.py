from django.core.management.base import BaseCommand, CommandError

from responsibilities.models import Responsibility
from responsibilities.publishing import latest_version
from responsibilities.services import FIXTURE_DIR, CatalogueError, catalogue_load


class Command(BaseCommand):
    help = (
        "Load the shipped responsibility catalogue into an empty catalogue and publish it as a "
        "version. With --reload, overwrite the shipped items in the draft on purpose (an admin's "
        "edits to them are lost) and publish the result as a new version: engagements keep the "
        "version they came from."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Overwrite the shipped items even though the catalogue already has items.",
        )
        parser.add_argument("--fixture-dir", default=FIXTURE_DIR, help="Where the fixtures are.")

    def handle(self, *args, reload, fixture_dir, **options):
        existing = Responsibility.objects.count()
        if existing and not reload:
            self.stdout.write(
                f"The catalogue already has {existing} items; left as it is "
                "(load_catalogue --reload overwrites them with the shipped texts and publishes "
                "a new version)."
            )
            return
        try:
            result = catalogue_load(fixture_dir=fixture_dir)
        except CatalogueError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        if result.version is not None:
            published = f"published as version {result.version.number}"
        else:
            published = f"no change, still version {latest_version().number}"
        self.stdout.write(
            self.style.SUCCESS(
                f"Catalogue loaded: {result.created} created, {result.updated} updated; "
                f"{published}."
            )
        )
