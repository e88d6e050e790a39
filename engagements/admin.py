from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from engagements.models import Engagement, Membership, Option
from engagements.services.engagements import engagement_create, engagement_update
from engagements.services.members import member_add, member_change, member_remove
from engagements.sync.services import catalogue_apply_many, version_preview
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
                self._apply(request, queryset.order_by("pk"), version)
                return None
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

    def _apply(self, request, engagements, version) -> None:
        result = catalogue_apply_many(engagements=engagements, version=version, user=request.user)
        changed = sum(each.changed for each in result.applied.values())
        self.message_user(
            request,
            ngettext(
                "Version %(number)d brought into %(count)d engagement (%(tasks)d tasks changed).",
                "Version %(number)d brought into %(count)d engagements (%(tasks)d tasks changed).",
                len(result.applied),
            )
            % {"number": version.number, "count": len(result.applied), "tasks": changed},
            messages.SUCCESS,
        )
        for engagement, why in result.failed.items():
            self.message_user(
                request,
                gettext("%(customer)s was left as it was: %(why)s")
                % {"customer": engagement.customer, "why": why},
                messages.ERROR,
            )
