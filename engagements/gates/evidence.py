"""Evidence (files and links that show a task was done) and comments on tasks.

Nothing here changes or deletes what a member added: a replaced file is a new version that
points at the one before, which stays readable. Every addition appends an audit event with the
file's SHA-256 and size, so verify_audit can tell a stored file or its row altered afterwards.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from engagements.gates.files import FILE_TYPES, HEAD_BYTES, safe_file_name, sniff_type
from engagements.gates.mentions import (
    engagement_members,
    mention_spans,
    mentions_check,
    mentions_find,
    mentions_record,
)
from engagements.journal import engagement_changed, event_record
from engagements.models import (
    Engagement,
    EventKind,
    EvidenceKind,
    Task,
    TaskComment,
    TaskEvidence,
    phase_is_signed,
)
from engagements.services.tasks import refuse_withdrawn
from fasttrack import bounds

logger = logging.getLogger(__name__)


def _check_caption(caption: str) -> str:
    caption = caption.strip()
    bounds.validate_fields({"caption": (caption, bounds.single_line(bounds.CAPTION_MAX_LENGTH))})
    return caption


def _read_file(upload: UploadedFile) -> tuple[str, str, int]:
    """Check the upload's size and type; return its type, SHA-256 and size. Both are judged
    on the bytes read: the size and type a client declares are only its word."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    if not head:
        raise ValidationError({"file": _("The file is empty.")})
    code = sniff_type(head, upload.name or "")
    if code is None:
        raise ValidationError(
            {
                "file": _(
                    "This kind of file is not accepted. Accepted: %(types)s (judged from "
                    "the file's content, not its name)."
                )
                % {"types": ", ".join(settings.EVIDENCE_ALLOWED_TYPES)}
            }
        )
    limit = settings.EVIDENCE_MAX_BYTES
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise ValidationError(
                {"file": _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}}
            )
        digest.update(chunk)
    upload.seek(0)
    return code, digest.hexdigest(), size


def _write_file(evidence: TaskEvidence, upload: UploadedFile) -> None:
    """Write the upload to the store. A store that fails part-way (a full disk, a read-only
    folder, a bucket out of reach) has whatever it wrote removed, and the person is told."""
    storage = evidence.file.storage
    # A fresh random name (evidence_path): whatever is found under it was written by this call.
    name = evidence.file.field.generate_filename(evidence, evidence.original_name)
    # Any error: a folder raises OSError, a bucket botocore's own.
    try:
        evidence.file.name = storage.save(name, upload, max_length=evidence.file.field.max_length)
    except Exception as error:
        logger.exception("The evidence store could not write %s", name)
        try:
            storage.delete(name)
        except Exception:
            logger.exception("The evidence store could not remove the partial %s", name)
        raise ValidationError(
            {
                "file": _(
                    "The file could not be stored, so nothing was saved. Choose it again and "
                    "try later; if this goes on, tell the portal's administrators."
                )
            }
        ) from error


def _evidence_changes(evidence: TaskEvidence) -> dict:
    """The evidence as its event keeps it (see engagements/activity/text.py)."""
    changes = {"evidence": evidence.pk, "kind": evidence.kind, "caption": evidence.caption}
    if evidence.kind == EvidenceKind.FILE:
        changes |= {
            "name": evidence.original_name,
            "content_type": evidence.content_type,
            "size": evidence.size,
            "sha256": evidence.sha256,
        }
    else:
        changes["url"] = evidence.url
    if evidence.replaces_id:
        changes["replaces"] = evidence.replaces_id
    return changes


def _store(
    *,
    task: Task,
    user: AbstractBaseUser,
    caption: str,
    upload: UploadedFile | None,
    url: str,
    replaces: TaskEvidence | None,
    document_type: str = "",
) -> TaskEvidence:
    caption = _check_caption(caption)
    evidence = TaskEvidence(task=task, uploaded_by=user, caption=caption, replaces=replaces)
    if document_type:
        content = upload.read()
        upload.seek(0)
        evidence.kind = EvidenceKind.FILE
        evidence.original_name = upload.name
        evidence.content_type = document_type
        evidence.sha256, evidence.size = hashlib.sha256(content).hexdigest(), len(content)
    elif upload is not None:
        code, sha256, size = _read_file(upload)
        evidence.kind = EvidenceKind.FILE
        evidence.original_name = safe_file_name(upload.name or "", code)
        evidence.content_type = FILE_TYPES[code].mime
        evidence.sha256, evidence.size = sha256, size
    else:
        url = url.strip()
        bounds.validate_fields(
            {
                "url": (
                    url,
                    [*bounds.single_line(bounds.URL_MAX_LENGTH), bounds.validate_https_url],
                )
            }
        )
        evidence.kind, evidence.url = EvidenceKind.LINK, url
    with transaction.atomic():
        refuse_withdrawn(Task.objects.select_for_update().get(pk=task.pk))
        # Under the engagement lock a sign-off being written is waited for, then seen.
        Engagement.objects.select_for_update().only("pk").get(pk=task.engagement_id)
        if phase_is_signed(task):
            raise ValidationError(
                _(
                    "%(phase)s has been signed off: reopen it, with a reason, to change its "
                    "evidence."
                )
                % {"phase": task.phase.name}
            )
        if upload is not None:
            # Written last, after every check, and removed again if the row is not saved.
            _write_file(evidence, upload)
        try:
            evidence.save()
            event_record(
                engagement_id=task.engagement_id,
                task=task,
                actor=user,
                kind=EventKind.EVIDENCE_REPLACED if replaces else EventKind.EVIDENCE_ADDED,
                changes=_evidence_changes(evidence),
            )
            engagement_changed(engagement_id=task.engagement_id)
        except Exception:
            if evidence.file:
                evidence.file.storage.delete(evidence.file.name)
            raise
    return evidence


def evidence_add_file(
    *, task: Task, user: AbstractBaseUser, upload: UploadedFile, caption: str = ""
) -> TaskEvidence:
    """Store a file as evidence of the task, after checking its size and, from its bytes, its
    type."""
    return _store(task=task, user=user, caption=caption, upload=upload, url="", replaces=None)


def evidence_add_document(
    *,
    task: Task,
    user: AbstractBaseUser,
    name: str,
    content: bytes,
    content_type: str,
    caption: str,
) -> TaskEvidence:
    """Keep a document the portal wrote itself (a tenant's observation as JSON) as evidence:
    stored, hashed and recorded like an uploaded file; its type is known, not judged, so it
    needs no place among the types people may upload."""
    return _store(
        task=task,
        user=user,
        caption=caption,
        upload=ContentFile(content, name=name),
        url="",
        replaces=None,
        document_type=content_type,
    )


def evidence_add_link(
    *, task: Task, user: AbstractBaseUser, url: str, caption: str = ""
) -> TaskEvidence:
    """Record an https link (a document in the customer's own store, say) as evidence."""
    return _store(task=task, user=user, caption=caption, upload=None, url=url, replaces=None)


@transaction.atomic
def evidence_replace(
    *,
    evidence: TaskEvidence,
    user: AbstractBaseUser,
    upload: UploadedFile | None = None,
    url: str = "",
    caption: str = "",
) -> TaskEvidence:
    """A new version of the evidence (a file or a link); the one it replaces stays as it was.
    Only the latest version can be replaced, so versions form one line."""
    current = TaskEvidence.objects.select_for_update().get(pk=evidence.pk)
    if TaskEvidence.objects.filter(replaces=current).exists():
        raise ValidationError(_("A newer version already replaced this one: replace that one."))
    return _store(
        task=current.task,
        user=user,
        caption=caption or current.caption,
        upload=upload,
        url=url,
        replaces=current,
    )


@transaction.atomic
def comment_add(*, task: Task, user: AbstractBaseUser, body: str) -> TaskComment:
    """Add a member's comment to the task's thread, with the members it mentions (who hear
    of it through the journal's listeners)."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    bounds.validate_fields({"body": (body, bounds.multi_line(bounds.COMMENT_MAX_LENGTH))})
    mentions = mentions_find(body, engagement_members(task.engagement_id))
    mentions_check(mentions)
    Task.objects.select_for_update().filter(pk=task.pk).first()
    comment = TaskComment.objects.create(
        task=task, author=user, body=body, mention_spans=mention_spans(mentions)
    )
    mentions_record(comment=comment, mentions=mentions)
    changes = {"comment": comment.pk, "body": body}
    if mentions:
        changes["mentions"] = [{"id": m.user.pk, "name": m.name} for m in mentions]
    event_record(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        kind=EventKind.COMMENT_ADDED,
        changes=changes,
    )
    engagement_changed(engagement_id=task.engagement_id)
    return comment
