"""Adding and downloading a task's evidence, and commenting on a task."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagements.access import get_task_for_user
from engagements.gates import evidence as evidence_services
from engagements.gates.files import download_name
from engagements.gates.forms import CommentForm, EvidenceForm
from engagements.models import EvidenceKind, TaskEvidence
from engagements.views.common import first_error
from engagements.views.tasks import _task_changed

# What a refused evidence or comment form held, until the task page puts it back: the page is
# reached by a redirect, which would otherwise lose what the person typed.
EVIDENCE_DRAFT_SESSION_KEY = "evidence_draft"


def _refused(request, access, task, error):
    """The refusal, with the form's text given back (no page can refill a file field: the
    person chooses the file again): in the row an htmx answer draws, or else kept for the task
    page the redirect leads to."""
    draft = {
        "task": task.pk,
        **{field: request.POST.get(field, "") for field in ("url", "caption", "replaces")},
    }
    if request.headers.get("HX-Request"):
        task.evidence_draft = draft
    else:
        request.session[EVIDENCE_DRAFT_SESSION_KEY] = draft
    return _task_changed(request, access, task, error=error)


@login_required
@require_POST
def evidence_add(request, pk, task_pk):
    """A file or a link, new or replacing the latest version of one already there."""
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    access.require(access.can_add_evidence(task))
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, access, task, first_error(form))
    data = form.cleaned_data
    try:
        if data["replaces"]:
            earlier = TaskEvidence.objects.filter(task=task, pk=data["replaces"]).first()
            if earlier is None:
                raise Http404(_("This task has no such evidence."))
            evidence_services.evidence_replace(
                evidence=earlier,
                user=request.user,
                upload=data["file"],
                url=data["url"],
                caption=data["caption"],
            )
        elif data["file"]:
            evidence_services.evidence_add_file(
                task=task, user=request.user, upload=data["file"], caption=data["caption"]
            )
        else:
            evidence_services.evidence_add_link(
                task=task, user=request.user, url=data["url"], caption=data["caption"]
            )
    except ValidationError as error:
        return _refused(request, access, task, " ".join(error.messages))
    return _task_changed(request, access, task, thread_saved=True)


@login_required
def evidence_download(request, pk, task_pk, evidence_pk):
    """The stored file, to every member, as an attachment the browser never renders."""
    _access, task = get_task_for_user(request.user, pk, task_pk)
    evidence = TaskEvidence.objects.filter(
        task=task, pk=evidence_pk, kind=EvidenceKind.FILE
    ).first()
    if evidence is None:
        raise Http404(_("This task has no such file."))
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=download_name(evidence),
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def comment_add(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk)
    access.require(access.can_comment)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _comment_refused(request, access, task, first_error(form))
    try:
        evidence_services.comment_add(task=task, user=request.user, body=form.cleaned_data["body"])
    except ValidationError as error:
        return _comment_refused(request, access, task, " ".join(error.messages))
    return _task_changed(request, access, task, thread_saved=True)


def _comment_refused(request, access, task, error):
    """The refusal, with the comment given back in its field (to mention fewer people, say),
    as a refused evidence form's text is."""
    draft = {"task": task.pk, "comment": request.POST.get("body", "")}
    if request.headers.get("HX-Request"):
        task.evidence_draft = draft
    else:
        request.session[EVIDENCE_DRAFT_SESSION_KEY] = draft
    return _task_changed(request, access, task, error=error)
