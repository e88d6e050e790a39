import os
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Compile every locale/*/LC_MESSAGES/*.po into its .mo with polib, so neither `make run` "
        "nor `make test` needs GNU gettext installed."
    )

    def handle(self, *args, **options):
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as error:
                    raise CommandError(f"{po_path}: {error}") from error
                # Written beside and renamed over the old file, so a process reading the
                # catalogue meanwhile (a server, another test run) reads one whole version.
                mo_path = po_path.with_suffix(".mo")
                partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
                try:
                    catalogue.save_as_mofile(str(partial))
                    os.replace(partial, mo_path)
                finally:
                    partial.unlink(missing_ok=True)
                self.stdout.write(f"Compiled {po_path.relative_to(settings.BASE_DIR)}")
