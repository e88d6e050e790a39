"""A tick that takes the tenant's observation as its evidence: the person ticks, the tenant's
word is what they tick with."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.access import engagement_access
from engagements.gates.evidence import evidence_add_document
from engagements.models import Task
from engagements.services.tasks import task_set_done
from tenants.checks import check_set
from tenants.models import Observation, Result
from tenants.reading import canonical_json, stored_observation_content


def observation_document(observation: Observation, tenant_id: str) -> bytes:
    """The observation as the JSON document kept as a task's evidence: the content its
    SHA-256 covers, so the file's hash is the observation's."""
    return canonical_json(stored_observation_content(observation, tenant_id))


def task_done_with_observation(*, task: Task, user, observation: Observation, caption: str) -> Task:
    """One click: the confirming observation becomes the task's evidence (its JSON, hashed
    like any file) and the task is marked done, both or neither. The person ticks; the
    tenant's word is what they tick with."""
    if observation.engagement_id != task.engagement_id or observation.result != Result.CONFIRMS:
        raise ValidationError(_("Only an observation in which the tenant confirms can be used."))
    checks = check_set().by_key()
    if (
        task.responsibility is None
        or task.responsibility.key not in checks[observation.check_key].responsibilities
    ):
        raise ValidationError(_("This observation is not about this task."))
    latest = (
        Observation.objects.filter(
            engagement_id=task.engagement_id, check_key=observation.check_key
        )
        .order_by("-observed_at", "-pk")
        .first()
    )
    if latest.pk != observation.pk:
        raise ValidationError(
            _("The tenant has been read again since: use its latest observation.")
        )
    access = engagement_access(task.engagement, user)
    if not access.can_change_task(task):
        raise PermissionDenied(_("Your role on this engagement does not allow this."))
    if task.done:
        raise ValidationError(_("This task is already done."))
    stamp = timezone.localtime(observation.observed_at).strftime("%Y%m%d-%H%M")
    with transaction.atomic():
        evidence_add_document(
            task=task,
            user=user,
            name=f"tenant-{observation.check_key}-{stamp}.json",
            content=observation_document(observation, observation.run.tenant_id),
            content_type="application/json",
            caption=caption,
        )
        return task_set_done(task=task, user=user, done=True)
