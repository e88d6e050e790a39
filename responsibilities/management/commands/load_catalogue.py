from django.core.management.base import BaseCommand, CommandError

from responsibilities.models import Responsibility
from responsibilities.services import FIXTURE_DIR, CatalogueError, catalogue_load


class Command(BaseCommand):
    help = (
        "Load the shipped responsibility catalogue into an empty catalogue. "
        "With --reload, overwrite the shipped items on purpose (an admin's edits to them are lost)."
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
                "(load_catalogue --reload overwrites them with the shipped texts)."
            )
            return
        try:
            result = catalogue_load(fixture_dir=fixture_dir)
        except CatalogueError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Catalogue loaded: {result.created} created, {result.updated} updated."
            )
        )
