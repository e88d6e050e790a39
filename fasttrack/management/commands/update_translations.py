from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# Folders whose strings are not the portal's own.
IGNORED = [".venv/*", "tests/*", "staticfiles/*", "benchmarks/*", "demo-mail/*", ".celery/*"]


def message_file(locale: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / locale / "LC_MESSAGES" / "django.po"


class Command(BaseCommand):
    help = (
        "Extract every translatable string into locale/pt_BR and locale/en (needs GNU gettext), "
        "drop obsolete entries, fill English entries with their source text, and list what "
        "Brazilian Portuguese still lacks. A developer's tool: make run and make test only "
        "compile the files."
    )

    def handle(self, *args, **options):
        call_command(
            "makemessages",
            locale=["pt_BR", "en"],
            ignore_patterns=IGNORED,
            no_location=True,
            verbosity=0,
        )
        for locale in ("pt_BR", "en"):
            catalogue = polib.pofile(str(message_file(locale)))
            for entry in catalogue.obsolete_entries():
                catalogue.remove(entry)
            if locale == "en":
                catalogue.metadata.update(
                    {"Project-Id-Version": "FastTrack Portal", "Language": "en"}
                )
                catalogue.metadata_is_fuzzy = False
                # The source strings are English already. Each entry is reset to its source
                # text, because makemessages fills new entries with near matches ("fuzzy"),
                # which would otherwise show a neighbouring string's words.
                for entry in catalogue:
                    if entry.msgid_plural:
                        entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                    else:
                        entry.msgstr = entry.msgid
                    if "fuzzy" in entry.flags:
                        entry.flags.remove("fuzzy")
            catalogue.save()
        portuguese = polib.pofile(str(message_file("pt_BR")))
        missing = portuguese.untranslated_entries() + portuguese.fuzzy_entries()
        for entry in missing:
            self.stdout.write(f"pt_BR needs a translation: {entry.msgid!r}")
        self.stdout.write(f"{len(missing)} Portuguese entries to translate.")
