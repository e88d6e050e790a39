"""Both languages complete, in step with the code, and no page mixing them."""

import datetime
import io
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from engagements.models import Engagement
from engagements.services.share_links import share_link_create
from engagements.services.tasks import task_set_done, task_set_due_date
from responsibilities.models import Phase, Responsibility

from .factories import make_checkpoint

LOCALES = ["pt_BR", "en"]
# Words that are the same in both languages, or names, and may appear on either page.
# "Nome" is a town in Alaska, among the time zones, as well as Portuguese for "name".
ALLOWED = {
    "English",
    "Português",
    "FastTrack Portal",
    "Microsoft",
    "CSV",
    "Azure AD Premium",
    "Nome",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%s|\{\{")


def catalogue(locale) -> polib.POFile:
    return polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / locale / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_and_none_is_fuzzy(locale):
    messages = catalogue(locale)
    assert not messages.metadata_is_fuzzy
    assert [entry.msgid for entry in messages.untranslated_entries()] == []
    assert [entry.msgid for entry in messages.fuzzy_entries()] == []


def test_the_locale_files_hold_every_string_in_the_code(tmp_path, monkeypatch):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install gettext to check the locale files against the code")
        pytest.skip("needs GNU gettext (xgettext)")
    # makemessages writes beside the code it reads, so it reads a copy.
    # The project's own apps: folders at its root (installed packages live elsewhere).
    ours = [
        app.path for app in apps.get_app_configs() if Path(app.path).parent == settings.BASE_DIR
    ]
    for folder in [*ours, settings.BASE_DIR / "templates"]:
        shutil.copytree(folder, tmp_path / Path(folder).name)
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["en"], no_location=True, verbosity=0)
    in_code = {
        entry.msgid for entry in polib.pofile(str(tmp_path / "locale/en/LC_MESSAGES/django.po"))
    }
    for locale in LOCALES:
        in_file = {entry.msgid for entry in catalogue(locale) if not entry.obsolete}
        assert in_code - in_file == set(), f"{locale} lacks these: run update_translations"
        assert in_file - in_code == set(), f"{locale} has strings the code no longer uses"


class TextNodes(HTMLParser):
    """The text a person sees on a page, one string per text node (scripts and styles left out)."""

    def __init__(self):
        super().__init__()
        self.nodes, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._hidden:
            self.nodes.append(text)


def visible_text(html: str) -> list[str]:
    parser = TextNodes()
    parser.feed(html)
    return parser.nodes


def foreign_strings(page_language: str) -> set[str]:
    """UI and catalogue strings of the other language that differ from this language's."""
    strings = set()
    for entry in catalogue("pt_BR"):
        english, portuguese = entry.msgid, entry.msgstr or entry.msgstr_plural.get(0, "")
        if english == portuguese or PLACEHOLDER.search(english):
            continue
        strings.add(portuguese if page_language == "en" else english)
    fields = ("text_pt", "text_en") if page_language == "en" else ("text_en", "text_pt")
    for foreign, own in Responsibility.objects.values_list(*fields):
        if foreign != own:
            strings.add(foreign)
    for phase in Phase.objects.all():
        strings.add(phase.name_pt if page_language == "en" else phase.name_en)
    return {" ".join(s.split()) for s in strings if s.strip()} - ALLOWED


def leftovers(html: str, page_language: str) -> list[str]:
    foreign = foreign_strings(page_language)
    nodes = visible_text(html)
    found = []
    for node in nodes:
        for text in foreign:
            if node == text or (len(text) >= 12 and text in node):
                found.append(f"{text!r} in {node!r}")
    return found


@pytest.fixture
def pages(engagement, carla, miguel):
    start = timezone.now() + datetime.timedelta(days=4)
    checkpoint = make_checkpoint(
        engagement,
        carla,
        phase="avaliar",
        title="Status 42",
        starts_at=start,
        attendees=[carla, miguel],
    )
    task = engagement.tasks.filter(party="customer", phase__isnull=False).first()
    task_set_done(task=task, user=carla, done=True)
    task_set_due_date(task=task, user=carla, due_date=datetime.date(2026, 12, 1))
    _link, token = share_link_create(
        engagement=engagement,
        user=carla,
        label="Board",
        expires_on=timezone.localdate() + datetime.timedelta(days=9),
    )
    e = engagement.pk
    signed_in = [
        reverse("engagement-list"),
        reverse("engagement-detail", args=[e]),
        reverse("engagement-dashboard", args=[e]),
        reverse("engagement-members", args=[e]),
        reverse("engagement-audit", args=[e]),
        reverse("engagement-share-links", args=[e]),
        reverse("checkpoint-new", args=[e]),
        reverse("checkpoint-detail", args=[e, checkpoint.pk]),
        reverse("checkpoint-edit", args=[e, checkpoint.pk]),
        reverse("portfolio"),
        reverse("portfolio-matrix"),
        reverse("portfolio-summary"),
        reverse("profile"),
        reverse("my-work"),
    ]
    anonymous = [
        reverse("login"),
        reverse("password_reset"),
        reverse("shared-dashboard", args=[token]),
    ]
    return signed_in, anonymous


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_every_page_is_wholly_in_one_language(client, carla, pages, language):
    signed_in, anonymous = pages
    page_language = "en" if language == "en" else "pt"
    for url in anonymous:
        html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert leftovers(html, page_language) == [], url
    Profile.objects.create(user=carla, language=language)
    client.force_login(carla)
    for url in signed_in:
        html = client.get(url).content.decode()
        assert f'<html lang="{language}">' in html, url
        assert leftovers(html, page_language) == [], url


def test_the_check_would_notice_a_leftover(catalogue):
    assert leftovers("<p>Marcar como concluída</p>", "en") == [
        "'Marcar como concluída' in 'Marcar como concluída'"
    ]
    assert leftovers("<p>Mark done</p>", "pt") == ["'Mark done' in 'Mark done'"]


@pytest.mark.parametrize(
    "language, time_zone, expected",
    [
        ("pt-br", "America/Sao_Paulo", ["15/09/2026", "1200", "10:00"]),
        ("en", "Europe/Lisbon", ["15 Sep 2026", "1200", "13:00"]),
    ],
)
def test_dates_times_and_numbers_follow_the_language_and_time_zone(
    client, carla, engagement, language, time_zone, expected, time_machine
):
    # A checkpoint in Lisbon's winter, scheduled a month before it: the hours expected are
    # those of standard time.
    time_machine.move_to(datetime.datetime(2026, 11, 2, 12, tzinfo=datetime.UTC), tick=False)
    Engagement.objects.filter(pk=engagement.pk).update(licence_count=1200)
    start = datetime.datetime(2026, 12, 2, 13, 0, tzinfo=datetime.UTC)
    make_checkpoint(
        engagement,
        carla,
        phase="avaliar",
        title="Status",
        starts_at=start,
        attendees=[carla],
    )
    Profile.objects.create(user=carla, language=language, time_zone=time_zone)
    client.force_login(carla)
    text = " ".join(
        visible_text(
            client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
        )
    )
    for piece in expected:
        assert piece in text


EXTRA_ENTRY = '\nmsgid "Compiled just now"\nmsgstr "Compilado agora"\n'


def test_compiling_replaces_each_catalogue_whole_and_a_broken_one_leaves_the_old(
    tmp_path, settings
):
    folder = tmp_path / "pt_BR" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po_path = folder / "django.po"
    shutil.copy(Path(settings.BASE_DIR) / "locale/pt_BR/LC_MESSAGES/django.po", po_path)
    settings.BASE_DIR, settings.LOCALE_PATHS = tmp_path, [str(tmp_path)]

    call_command("compile_translations", stdout=io.StringIO())

    compiled = polib.mofile(str(folder / "django.mo"))
    assert len(compiled) == len(polib.pofile(str(po_path)).translated_entries())
    assert sorted(path.name for path in folder.iterdir()) == ["django.mo", "django.po"]
    before = (folder / "django.mo").read_bytes()

    # A reader holding the old file open still reads all of it after a new compile.
    po_path.write_text(po_path.read_text(encoding="utf-8") + EXTRA_ENTRY, encoding="utf-8")
    with open(folder / "django.mo", "rb") as reading:
        call_command("compile_translations", stdout=io.StringIO())
        assert reading.read() == before
    assert polib.mofile(str(folder / "django.mo")).find("Compiled just now") is not None
    before = (folder / "django.mo").read_bytes()

    po_path.write_text("this is not a catalogue\n", encoding="utf-8")
    with pytest.raises(CommandError, match="django.po"):
        call_command("compile_translations", stdout=io.StringIO())
    assert (folder / "django.mo").read_bytes() == before
    assert sorted(path.name for path in folder.iterdir()) == ["django.mo", "django.po"]
