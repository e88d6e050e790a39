"""Evidence on tasks: the catalogue's rule, files and links, the done rule, comments."""

import datetime
import errno
import hashlib
import io
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Profile
from engagements.activity.text import event_change_text
from engagements.gates.evidence import (
    comment_add,
    evidence_add_file,
    evidence_add_link,
    evidence_replace,
)
from engagements.gates.files import safe_file_name
from engagements.models import ActivityEvent, EventKind, Task, TaskComment, TaskEvidence
from engagements.services.share_links import share_link_create
from engagements.services.tasks import task_set_done
from engagements.verify.checks import engagement_state_problems
from responsibilities.models import CatalogueEvent, Responsibility
from responsibilities.publishing import catalogue_publish

from .factories import make_engagement
from .test_admin import change_url, item_form_data

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 50
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50

# The shipped items that plainly produce a document or a verification (README lists them).
NEEDS_EVIDENCE = {
    "customer-avaliar-03",
    "customer-avaliar-06",
    "microsoft-avaliar-03",
    "microsoft-avaliar-04",
    "customer-corrigir-01",
    "customer-habilitar-08",
    "microsoft-habilitar-core-04",
}


def test_the_shipped_catalogue_marks_the_items_that_produce_evidence(catalogue):
    marked = Responsibility.objects.filter(evidence_required=True)
    assert set(marked.values_list("key", flat=True)) == NEEDS_EVIDENCE
    assert all(item.evidence_hint_pt and item.evidence_hint_en for item in marked)


def test_tasks_copy_the_rule_and_show_the_hint_in_the_active_language(engagement, ada):
    task = engagement.tasks.get(responsibility__key="microsoft-avaliar-04")
    assert task.evidence_required
    with translation.override("en"):
        assert task.evidence_hint == "The remediation checklist given to the customer."
    with translation.override("pt-br"):
        assert task.evidence_hint == "A lista de verificação de correção entregue ao cliente."
    assert not engagement.tasks.get(responsibility__key="customer-iniciar-01").evidence_required


def test_a_later_catalogue_edit_leaves_running_engagements_alone(client, ada, engagement):
    item = Responsibility.objects.get(key="customer-iniciar-01")
    client.force_login(ada)
    response = client.post(
        change_url(item),
        item_form_data(
            item, evidence_required="on", evidence_hint_en="Minutes", evidence_hint_pt="Ata"
        ),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.evidence_required and item.evidence_hint_pt == "Ata"
    event = CatalogueEvent.objects.order_by("-sequence").first()
    assert '"evidence_required": true' in event.new_value
    assert not engagement.tasks.get(responsibility=item).evidence_required
    catalogue_publish(note="Ata exigida", actor=ada)
    fresh = make_engagement(created_by=ada, customer="Later")
    task = Task.objects.get(engagement=fresh, responsibility=item)
    assert task.evidence_required and task.evidence_hint_en == "Minutes"


def test_the_task_row_shows_what_evidence_is_needed(client, carla, engagement):
    task = engagement.tasks.get(responsibility__key="customer-avaliar-03")
    client.force_login(carla)
    html = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    row = html[html.index(f'id="task-{task.pk}"') :]
    assert (
        "A lista de verificação de correção e o plano geral acordados." in row[: row.index("</li>")]
    )


# Files and links


def task_of(engagement, key="customer-avaliar-03"):
    return engagement.tasks.get(responsibility__key=key)


def upload(name="plan.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def add_url(task):
    return reverse("evidence-add", args=[task.engagement_id, task.pk])


def download_url(evidence):
    return reverse(
        "evidence-download", args=[evidence.task.engagement_id, evidence.task_id, evidence.pk]
    )


def stored_files(folder):
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_a_manager_uploads_a_file_and_every_member_downloads_the_same_bytes(
    client, carla, vera, engagement, evidence_folder
):
    task = task_of(engagement)
    client.force_login(carla)
    response = client.post(add_url(task), {"file": upload(), "caption": "Checklist v1"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#task-{task.pk}")
    evidence = TaskEvidence.objects.get(task=task)
    assert (evidence.kind, evidence.original_name, evidence.size) == ("file", "plan.pdf", len(PDF))
    assert evidence.content_type == "application/pdf"
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored_files(evidence_folder) == [evidence_folder / evidence.file.name]
    event = ActivityEvent.objects.filter(task=task).order_by("-sequence").first()
    assert event.kind == EventKind.EVIDENCE_ADDED
    assert event.changes["sha256"] == evidence.sha256
    assert event.changes["size"] == len(PDF)
    client.force_login(vera)
    response = client.get(download_url(evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="plan.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_the_event_tells_the_file_in_both_languages(carla, engagement):
    evidence = evidence_add_file(task=task_of(engagement), user=carla, upload=upload())
    event = ActivityEvent.objects.get(kind=EventKind.EVIDENCE_ADDED, task=evidence.task)
    with translation.override("en"):
        text = event_change_text(event)
        assert text.startswith("plan.pdf (") and "SHA-256 " + evidence.sha256[:12] in text
        assert evidence.sha256 in event_change_text(event, export=True)
    with translation.override("pt-br"):
        assert "bytes" in event_change_text(event)


def test_a_replaced_file_is_a_new_version_and_the_old_one_stays_readable(client, carla, engagement):
    task = task_of(engagement)
    first = evidence_add_file(task=task, user=carla, upload=upload())
    client.force_login(carla)
    second_bytes = PDF + b"% second\n"
    response = client.post(
        add_url(task), {"file": upload(content=second_bytes), "replaces": first.pk}
    )
    assert response.status_code == 302
    second = TaskEvidence.objects.get(replaces=first)
    assert second.caption == first.caption
    assert ActivityEvent.objects.filter(kind=EventKind.EVIDENCE_REPLACED, task=task).exists()
    assert b"".join(client.get(download_url(first)).streaming_content) == PDF
    assert b"".join(client.get(download_url(second)).streaming_content) == second_bytes
    html = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert f'id="evidence-{first.pk}" class="replaced"' in html
    with pytest.raises(ValidationError):
        evidence_replace(evidence=first, user=carla, upload=upload())


@pytest.mark.parametrize(
    "name, content",
    [
        ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("report.txt", b"  <svg onload=alert(1)>"),
        ("scan.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100),
        ("tool.docx", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
        ("notes.txt", b"text with a NUL \x00 byte"),
    ],
)
def test_files_whose_bytes_are_not_an_allowed_type_are_refused(
    client, carla, engagement, evidence_folder, name, content
):
    task = task_of(engagement)
    client.force_login(carla)
    response = client.post(add_url(task), {"file": upload(name, content)}, follow=True)
    assert "Este tipo de arquivo não é aceito" in response.content.decode()
    assert not TaskEvidence.objects.exists()
    assert stored_files(evidence_folder) == []
    assert not ActivityEvent.objects.filter(kind=EventKind.EVIDENCE_ADDED).exists()


def test_text_csv_png_and_office_files_are_judged_from_their_bytes(carla, engagement):
    task = task_of(engagement)
    cases = [
        ("data.csv", b"a,b\n1,2\n", "text/csv"),
        ("readme.txt", "Olá, mundo\n".encode(), "text/plain"),
        ("shot.jpg", PNG, "image/png"),  # the name says JPEG, the bytes say PNG
    ]
    for name, content, expected in cases:
        evidence = evidence_add_file(task=task, user=carla, upload=upload(name, content))
        assert evidence.content_type == expected


def test_an_oversized_file_is_refused_and_nothing_is_stored(
    client, carla, engagement, evidence_folder, settings
):
    settings.EVIDENCE_MAX_BYTES = 1000
    task = task_of(engagement)
    client.force_login(carla)
    client.post(add_url(task), {"file": upload(content=PDF + b"x" * (1001 - len(PDF)))})
    assert not TaskEvidence.objects.exists()
    assert stored_files(evidence_folder) == []
    # At the bound exactly, it is accepted.
    client.post(add_url(task), {"file": upload(content=PDF + b"x" * (1000 - len(PDF)))})
    assert TaskEvidence.objects.get().size == 1000


def declared_as(size, content):
    """An upload whose client declared `size` bytes, whatever it then streams."""
    return InMemoryUploadedFile(
        io.BytesIO(content), "file", "plan.pdf", "application/pdf", size=size, charset=None
    )


def test_the_size_limit_is_judged_on_the_bytes_read_not_the_size_declared(
    carla, engagement, evidence_folder, settings
):
    settings.EVIDENCE_MAX_BYTES = 1000
    task = task_of(engagement)
    one_too_many = PDF + b"x" * (1001 - len(PDF))
    with translation.override("en"), pytest.raises(ValidationError, match="larger than"):
        evidence_add_file(task=task, user=carla, upload=declared_as(len(PDF), one_too_many))
    assert not TaskEvidence.objects.exists()
    assert stored_files(evidence_folder) == []
    assert not ActivityEvent.objects.filter(kind=EventKind.EVIDENCE_ADDED).exists()
    at_the_bound = PDF + b"x" * (1000 - len(PDF))
    evidence = evidence_add_file(task=task, user=carla, upload=declared_as(10**9, at_the_bound))
    assert evidence.size == 1000


@pytest.mark.parametrize(
    "left_out, name, content",
    [(["png"], "shot.png", PNG), (["txt", "csv"], "notes.txt", b"Notes\n")],
)
def test_a_type_the_portal_knows_but_the_setting_leaves_out_is_refused(
    client, carla, engagement, evidence_folder, settings, left_out, name, content
):
    task = task_of(engagement)
    allowed = settings.EVIDENCE_ALLOWED_TYPES
    settings.EVIDENCE_ALLOWED_TYPES = [code for code in allowed if code not in left_out]
    client.force_login(carla)
    response = client.post(add_url(task), {"file": upload(name, content)}, follow=True)
    assert "Este tipo de arquivo não é aceito" in response.content.decode()
    assert not TaskEvidence.objects.exists()
    assert stored_files(evidence_folder) == []
    settings.EVIDENCE_ALLOWED_TYPES = allowed
    client.post(add_url(task), {"file": upload(name, content)})
    assert TaskEvidence.objects.get().original_name == name


@pytest.mark.parametrize(
    "name, content, kept_as",
    [
        ("page.html", b"Plain words, no markup\n", "page.txt"),
        ("shot.jpg", PNG, "shot.png"),
        ("README", b"Notes\n", "README.txt"),
        ("photo.JPEG", JPEG, "photo.JPEG"),
        ("data.csv", b"a,b\n1,2\n", "data.csv"),
        ("n" * 160 + ".c", b"int main;\n", "n" * 146 + ".txt"),
    ],
)
def test_a_file_is_kept_and_downloaded_under_the_extension_of_its_judged_type(
    client, carla, engagement, name, content, kept_as
):
    evidence = evidence_add_file(task=task_of(engagement), user=carla, upload=upload(name, content))
    assert evidence.original_name == kept_as
    client.force_login(carla)
    assert f'filename="{kept_as}"' in client.get(download_url(evidence))["Content-Disposition"]


def test_a_file_named_before_names_followed_the_judged_type_downloads_under_that_type(
    client, carla, engagement
):
    evidence = evidence_add_file(
        task=task_of(engagement), user=carla, upload=upload("page.txt", b"Plain words\n")
    )
    TaskEvidence.objects.filter(pk=evidence.pk).update(original_name="page.html")
    client.force_login(carla)
    assert 'filename="page.txt"' in client.get(download_url(evidence))["Content-Disposition"]


def test_a_path_in_the_file_name_is_kept_only_as_a_safe_base_name(
    carla, engagement, evidence_folder
):
    evidence = evidence_add_file(
        task=task_of(engagement), user=carla, upload=upload("../../etc/passwd.pdf")
    )
    assert evidence.original_name == "passwd.pdf"
    assert ".." not in evidence.file.name and "passwd" not in evidence.file.name
    (path,) = stored_files(evidence_folder)
    assert path.resolve().is_relative_to(evidence_folder.resolve())
    assert safe_file_name("..\\..\\windows\\evil\u202egpj.pdf", "pdf") == "evilgpj.pdf"
    assert safe_file_name("../..", "pdf") == "file.pdf"


def test_a_viewer_may_not_add_evidence_and_nothing_is_stored(
    client, vera, engagement, evidence_folder
):
    client.force_login(vera)
    response = client.post(add_url(task_of(engagement)), {"file": upload()})
    assert response.status_code == 403
    assert not TaskEvidence.objects.exists()
    assert stored_files(evidence_folder) == []


def test_a_manager_may_not_add_evidence_to_the_other_partys_task(client, carla, engagement):
    client.force_login(carla)
    task = task_of(engagement, "microsoft-avaliar-04")
    response = client.post(add_url(task), {"url": "https://example.com/x"})
    assert response.status_code == 403
    assert not TaskEvidence.objects.exists()


def test_an_outsider_gets_404_for_adding_and_downloading(client, carla, otto, engagement):
    evidence = evidence_add_file(task=task_of(engagement), user=carla, upload=upload())
    client.force_login(otto)
    assert client.post(add_url(evidence.task), {"file": upload()}).status_code == 404
    assert client.get(download_url(evidence)).status_code == 404
    assert TaskEvidence.objects.count() == 1


def test_evidence_of_another_engagement_by_id_is_404(
    client, carla, otto, engagement, other_engagement
):
    theirs = evidence_add_file(
        task=other_engagement.tasks.filter(party="customer", phase__isnull=False).first(),
        user=otto,
        upload=upload(),
    )
    mine = task_of(engagement)
    client.force_login(carla)
    url = reverse("evidence-download", args=[engagement.pk, mine.pk, theirs.pk])
    assert client.get(url).status_code == 404
    other_task_url = reverse("evidence-download", args=[engagement.pk, theirs.task_id, theirs.pk])
    assert client.get(other_task_url).status_code == 404
    response = client.post(add_url(mine), {"url": "https://example.com/v2", "replaces": theirs.pk})
    assert response.status_code == 404
    assert not TaskEvidence.objects.filter(replaces=theirs).exists()


def test_link_evidence_must_be_https(client, carla, engagement):
    task = task_of(engagement)
    client.force_login(carla)
    for url in ["javascript:alert(1)", "http://example.com/plan", "data:text/html,x", "ftp://x"]:
        client.post(add_url(task), {"url": url})
        with pytest.raises(ValidationError):
            evidence_add_link(task=task, user=carla, url=url)
    assert not TaskEvidence.objects.exists()
    client.post(add_url(task), {"url": "https://contoso.sharepoint.com/plan", "caption": "Plano"})
    link = TaskEvidence.objects.get()
    assert (link.kind, link.url, link.size, link.sha256) == (
        "link",
        "https://contoso.sharepoint.com/plan",
        0,
        "",
    )
    html = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert (
        '<a href="https://contoso.sharepoint.com/plan" target="_blank" rel="noopener noreferrer">'
        in html
    )
    assert client.get(download_url(link)).status_code == 404


def test_caption_and_link_are_bounded(carla, engagement):
    task = task_of(engagement)
    with pytest.raises(ValidationError):
        evidence_add_link(task=task, user=carla, url="https://x.example/", caption="a\nb")
    with pytest.raises(ValidationError):
        evidence_add_link(task=task, user=carla, url="https://x.example/", caption="c" * 201)
    evidence_add_link(task=task, user=carla, url="https://x.example/", caption="c" * 200)
    with pytest.raises(ValidationError):
        evidence_add_link(task=task, user=carla, url="https://x.example/" + "a" * 2000)


# When the store fails


class FullDiskStorage(FileSystemStorage):
    """A folder on a disk that fills up part-way through a file: its first bytes land, then the
    write fails as a full disk's does."""

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as written:
            written.write(content.read(4096))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


@pytest.fixture(params=["a full disk", "a folder that is a file"])
def failing_store(request, tmp_path, monkeypatch):
    """The evidence store, failing as a real one does; returns the folder holding it."""
    folder = tmp_path / "evidence"
    if request.param == "a full disk":
        store = FullDiskStorage(location=folder)
    else:
        folder.write_bytes(b"")
        store = FileSystemStorage(location=folder)
    monkeypatch.setattr(TaskEvidence._meta.get_field("file"), "storage", store)
    return tmp_path


def test_a_failing_store_refuses_the_file_with_a_message_keeps_the_form_and_leaves_nothing(
    client, carla, engagement, failing_store, caplog
):
    Profile.objects.create(user=carla, language="en")
    task = task_of(engagement)
    earlier = evidence_add_link(task=task, user=carla, url="https://contoso.example/plan")
    events = ActivityEvent.objects.count()
    files = stored_files(failing_store)
    client.force_login(carla)
    response = client.post(
        add_url(task),
        {
            "file": upload(content=PDF + b"x" * 40_000),
            "caption": "Checklist v2",
            "replaces": earlier.pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The file could not be stored, so nothing was saved." in html
    row = html[html.index(f'id="task-{task.pk}"') :]
    row = row[: row.index("</li>\n", row.index('class="evidence-form"'))]
    assert '<details class="task-evidence" open>' in row
    assert 'name="caption" maxlength="200" value="Checklist v2"' in row
    assert f'<option value="{earlier.pk}" selected>' in row
    assert list(TaskEvidence.objects.all()) == [earlier]
    assert ActivityEvent.objects.count() == events
    assert stored_files(failing_store) == files
    assert any(record.exc_info for record in caplog.records)
    # The form is filled in once only: the next visit starts afresh.
    html = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert "Checklist v2" not in html


def test_a_refused_link_is_given_back_to_be_corrected(client, carla, engagement):
    task = task_of(engagement)
    client.force_login(carla)
    response = client.post(
        add_url(task), {"url": "http://contoso.example/plan", "caption": "Plano"}, follow=True
    )
    html = response.content.decode()
    assert 'value="http://contoso.example/plan"' in html
    assert 'value="Plano"' in html
    assert not TaskEvidence.objects.exists()


def test_a_link_refused_in_an_htmx_answer_is_given_back_in_that_row_only(client, carla, engagement):
    task = task_of(engagement)
    client.force_login(carla)
    data = {"url": "http://contoso.example/plan", "caption": "Plano"}
    row = client.post(add_url(task), data, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="http://contoso.example/plan"' in row and 'value="Plano"' in row
    # The page drawn later starts empty: the draft was the answer's, not the session's.
    page = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert 'value="Plano"' not in page


# A task that needs evidence


def test_a_task_needing_evidence_is_refused_done_without_one_and_accepted_with_one(
    client, carla, engagement
):
    task = task_of(engagement)
    done_url = reverse("task-set-done", args=[engagement.pk, task.pk])
    client.force_login(carla)
    response = client.post(done_url, {"done": "1"}, follow=True)
    assert "Esta tarefa precisa de evidência" in response.content.decode()
    response = client.post(done_url, {"done": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Esta tarefa precisa de evidência" in response.content.decode()
    task.refresh_from_db()
    assert not task.done
    assert not ActivityEvent.objects.filter(kind=EventKind.TASK_DONE).exists()
    with translation.override("en"), pytest.raises(ValidationError, match="needs evidence"):
        task_set_done(task=task, user=carla, done=True)
    evidence_add_link(task=task, user=carla, url="https://contoso.sharepoint.com/plan")
    client.post(done_url, {"done": "1"})
    task.refresh_from_db()
    assert task.done
    # A task without the rule is ticked as before.
    plain = task_of(engagement, "customer-iniciar-01")
    assert task_set_done(task=plain, user=carla, done=True).done


# Comments


def comment_url(task):
    return reverse("comment-add", args=[task.engagement_id, task.pk])


def test_members_comment_viewers_too_and_it_is_audited(client, carla, vera, engagement):
    task = task_of(engagement)
    client.force_login(vera)
    response = client.post(comment_url(task), {"body": "Quando sai a lista?\nObrigada"})
    assert response.status_code == 302
    comment = TaskComment.objects.get()
    assert (comment.author, comment.body) == (vera, "Quando sai a lista?\nObrigada")
    event = ActivityEvent.objects.get(kind=EventKind.COMMENT_ADDED)
    assert event.changes == {"comment": comment.pk, "body": comment.body}
    client.force_login(carla)
    html = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert "Quando sai a lista?<br>Obrigada" in html


def test_comments_are_bounded(client, carla, engagement):
    task = task_of(engagement)
    client.force_login(carla)
    client.post(comment_url(task), {"body": "x" * 2001})
    client.post(comment_url(task), {"body": "   "})
    client.post(comment_url(task), {"body": "bell \x07"})
    assert not TaskComment.objects.exists()
    client.post(comment_url(task), {"body": "x" * 2000})
    assert TaskComment.objects.count() == 1


def test_outsiders_get_404_and_staff_who_are_not_members_may_not_comment(
    client, otto, ada, engagement
):
    task = task_of(engagement)
    client.force_login(otto)
    assert client.post(comment_url(task), {"body": "hello"}).status_code == 404
    client.force_login(ada)
    assert client.post(comment_url(task), {"body": "hello"}).status_code == 403
    assert not TaskComment.objects.exists()


def test_a_share_link_never_shows_evidence_or_comments(client, carla, engagement):
    task = task_of(engagement)
    comment_add(task=task, user=carla, body="segredo interno")
    evidence_add_link(task=task, user=carla, url="https://contoso.example/secret", caption="cap")
    _link, token = share_link_create(
        engagement=engagement,
        user=carla,
        label="Diretoria",
        expires_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    client.logout()
    html = client.get(reverse("shared-dashboard", args=[token])).content.decode()
    assert "segredo interno" not in html
    assert "contoso.example/secret" not in html


def test_script_in_captions_comments_and_names_is_shown_as_text(client, carla, engagement):
    task = task_of(engagement)
    script = "<script>alert(1)</script>"
    comment_add(task=task, user=carla, body=script)
    evidence_add_file(task=task, user=carla, upload=upload(f"{script}.pdf"), caption=script)
    client.force_login(carla)
    html = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert script not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# The audit trail


def test_verify_audit_names_an_altered_evidence_hash_size_and_changed_file_bytes(carla, engagement):
    task = task_of(engagement)
    evidence = evidence_add_file(task=task, user=carla, upload=upload())
    comment = comment_add(task=task, user=carla, body="ok")
    assert engagement_state_problems(engagement) == []
    TaskEvidence.objects.filter(pk=evidence.pk).update(sha256="0" * 64, size=1)
    problems = engagement_state_problems(engagement)
    assert any(f"evidence {evidence.pk}" in p and "sha256 is" in p for p in problems)
    assert any(f"evidence {evidence.pk}" in p and "size is 1" in p for p in problems)
    TaskEvidence.objects.filter(pk=evidence.pk).update(sha256=evidence.sha256, size=evidence.size)
    with evidence.file.storage.open(evidence.file.name, "wb") as stored:
        stored.write(PDF.replace(b"1.4", b"1.7"))
    (problem,) = engagement_state_problems(engagement)
    assert "the stored file's SHA-256" in problem
    TaskComment.objects.filter(pk=comment.pk).update(body="not what was said")
    assert any(f"comment {comment.pk}" in p for p in engagement_state_problems(engagement))


def test_verify_audit_command_fails_on_a_changed_file(carla, engagement):
    evidence = evidence_add_file(task=task_of(engagement), user=carla, upload=upload())
    call_command("verify_audit", stdout=io.StringIO())
    evidence.file.storage.delete(evidence.file.name)
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=io.StringIO(), stderr=errors)
    assert f"evidence {evidence.pk} (plan.pdf): the stored file is missing" in errors.getvalue()


def test_bulk_done_refuses_them_all_when_one_needs_evidence(client, carla, engagement):
    tasks = [task_of(engagement, "customer-avaliar-02"), task_of(engagement)]
    client.force_login(carla)
    response = client.post(
        reverse("tasks-bulk", args=[engagement.pk]),
        {"action": "done", "tasks": [task.pk for task in tasks]},
        follow=True,
    )
    assert "Esta tarefa precisa de evidência" in response.content.decode()
    assert not Task.objects.filter(pk__in=[task.pk for task in tasks], done=True).exists()


def test_a_file_of_a_type_the_portal_no_longer_knows_downloads_under_its_kept_name(
    client, carla, engagement
):
    evidence = evidence_add_file(
        task=task_of(engagement), user=carla, upload=upload("notes.txt", b"Plain words\n")
    )
    TaskEvidence.objects.filter(pk=evidence.pk).update(content_type="application/x-retired")
    client.force_login(carla)
    response = client.get(download_url(evidence))
    assert response.status_code == 200
    assert 'filename="notes.txt"' in response["Content-Disposition"]


def test_evidence_is_added_in_place_and_the_panel_stays_open_saying_so(
    client, carla, engagement, evidence_folder
):
    """With htmx the row alone is swapped: the page keeps its filters and scroll."""
    task = task_of(engagement)
    client.force_login(carla)
    response = client.post(
        add_url(task),
        {"url": "https://docs.example.com/plan", "caption": "Plano", "filters": "party=customer"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.lstrip().startswith(f'<li id="task-{task.pk}"')
    assert '<details class="task-evidence" open>' in row
    assert '<p class="message success" role="status">Salvo.</p>' in row
    assert "https://docs.example.com/plan" in row
    # The swapped row's forms still carry the page's filters.
    assert '<input type="hidden" name="filters" value="party=customer">' in row


def test_without_javascript_adding_evidence_comes_back_to_the_filtered_page(
    client, carla, engagement, evidence_folder
):
    task = task_of(engagement)
    client.force_login(carla)
    page = client.get(reverse("engagement-detail", args=[engagement.pk]), {"party": "customer"})
    form = page.content.decode().split(f'action="{add_url(task)}"')[1]
    assert f'hx-post="{add_url(task)}"' in form.split(">")[0]
    assert '<input type="hidden" name="filters" value="party=customer">' in form
    response = client.post(
        add_url(task),
        {"url": "https://docs.example.com/plan", "filters": "party=customer&due=soon"},
    )
    assert response.status_code == 302
    page_url = reverse("engagement-detail", args=[engagement.pk])
    assert response["Location"] == f"{page_url}?party=customer&due=soon#task-{task.pk}"
