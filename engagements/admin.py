from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagements.models import (
    CatalogueApplyItem,
    CatalogueApplyJob,
    Engagement,
    Membership,
    Option,
)
from engagements.services.engagements import engagement_create, engagement_update
from engagements.services.members import member_add, member_change, member_remove
from engagements.sync.jobs import catalogue_apply_job_start, job_progress
from engagements.sync.services import version_preview
from engagements.tasks import catalogue_apply_job_queue
from responsibilities.models import CatalogueVersion, Service
from responsibilities.publishing import latest_version

SCOPE_FIELDS = [*Service.values, *Option.values]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "services_in_scope",
        "licence_count",
        "start_date",
        "catalogue_version",
        "created_at",
    ]
    list_filter = ["aad_premium", "intune", "azure_rms", "catalogue_version", "start_date"]
    list_select_related = ["catalogue_version"]
    actions = ["bring_in_the_latest_catalogue"]
    search_fields = ["customer"]
    date_hierarchy = "start_date"
    inlines = [MembershipInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "customer",
                    "licence_count",
                    "purchase_date",
                    "start_date",
                    "customer_tenant_id",
                ]
            },
        ),
        (_("Services in scope"), {"fields": [str(service) for service in Service]}),
        (
            _("Options that decide conditional items"),
            {"fields": [str(option) for option in Option]},
        ),
    ]

    @admin.display(description=_("services"))
    def services_in_scope(self, engagement):
        return ", ".join(engagement.service_labels())

    def get_readonly_fields(self, request, obj=None):
        # Scope decides which catalogue items apply: a change goes through the planner on the
        # engagement's page, which previews and applies the tasks it adds or withdraws.
        if obj is not None:
            return [*SCOPE_FIELDS]
        return []

    def has_delete_permission(self, request, obj=None):
        # Deleting an engagement would take its whole audit trail with it.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            engagement_update(
                engagement=obj, changed_by=request.user, changed_fields=form.changed_data
            )
        else:
            engagement_create(engagement=obj, created_by=request.user)

    def save_formset(self, request, form, formset, change):
        # Memberships go through the services too, so each change is in the audit trail.
        for membership in formset.save(commit=False):
            if membership.pk is None:
                member_add(membership=membership, added_by=request.user)
            else:
                member_change(membership=membership, changed_by=request.user)
        for membership in formset.deleted_objects:
            member_remove(membership=membership, removed_by=request.user)

    @admin.action(
        description=_("Bring the latest catalogue version into the selected engagements"),
        permissions=["change"],
    )
    def bring_in_the_latest_catalogue(self, request, queryset):
        """First a preview (per engagement, what would change), then, confirmed, the apply:
        each engagement in a transaction of its own, so one that fails leaves the others."""
        version = latest_version()
        if request.POST.get("confirmed"):
            posted = CatalogueVersion.objects.filter(number=request.POST.get("version")).first()
            if posted is not None and posted != version:
                self.message_user(
                    request,
                    gettext("A newer version was published meanwhile: look at its preview."),
                    messages.WARNING,
                )
            else:
                return self._apply(request, queryset, version)
        previews = [
            version_preview(engagement, version)
            for engagement in queryset.select_related("catalogue_version").order_by("customer")
        ]
        return TemplateResponse(
            request,
            "admin/engagements/engagement/catalogue_apply.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Bring in catalogue version %(number)d")
                % {"number": version.number},
                "version": version,
                "previews": previews,
                "selected": [preview.engagement.pk for preview in previews],
                "action": "bring_in_the_latest_catalogue",
            },
        )

    def _apply(self, request, engagements, version):
        """Start the job and show its progress; a second start while one runs is refused."""
        try:
            job = catalogue_apply_job_start(
                engagement_ids=list(engagements.values_list("pk", flat=True)),
                version=version,
                user=request.user,
            )
        except ValidationError as refusal:
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)
            return None
        catalogue_apply_job_queue(job.pk)
        self.message_user(
            request,
            gettext(
                "Version %(number)d is being brought into the engagements chosen, one at a "
                "time: this page shows how far it has gone, and you may leave it and come back."
            )
            % {"number": version.number},
            messages.SUCCESS,
        )
        return redirect("admin:engagements_catalogueapplyjob_change", job.pk)


class ReadOnlyAdmin(admin.ModelAdmin):
    """What a worker writes, read by staff: no one adds, edits or deletes it here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CatalogueApplyJob)
class CatalogueApplyJobAdmin(ReadOnlyAdmin):
    list_display = ["version", "started_by", "started_at", "progress", "finished_at"]
    list_select_related = ["version", "started_by"]
    fields = ["version", "started_by", "started_at", "progress", "finished_at", "engagements"]
    readonly_fields = fields

    def get_queryset(self, request):
        return job_progress(super().get_queryset(request))

    @admin.display(description=_("progress"))
    def progress(self, job):
        return gettext(
            "%(finished)d of %(all)d: %(done)d done, %(refused)d refused, %(failed)d failed"
        ) % {
            "finished": job.count_all - job.count_waiting,
            "all": job.count_all,
            "done": job.count_done,
            "refused": job.count_refused,
            "failed": job.count_failed,
        }

    @admin.display(description=_("engagements"))
    def engagements(self, job):
        url = reverse("admin:engagements_catalogueapplyitem_changelist")
        return format_html(
            '<a href="{}?job__id__exact={}">{}</a>',
            url,
            job.pk,
            gettext("Each engagement's outcome, with the reason for a refusal or a failure"),
        )


@admin.register(CatalogueApplyItem)
class CatalogueApplyItemAdmin(ReadOnlyAdmin):
    list_display = ["engagement", "outcome", "reason", "tasks_changed", "finished_at"]
    list_filter = ["job", "outcome"]
    list_select_related = ["engagement"]
    search_fields = ["engagement__customer"]
