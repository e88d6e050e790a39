from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from fasttrack import bounds

from . import services
from .diff import change_counts, draft_changes, previous_version, version_changes
from .models import CatalogueEvent, CatalogueVersion, Phase, Responsibility
from .publishing import catalogue_publish, latest_version


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Phase)
class PhaseAdmin(ReadOnlyAdmin):
    """The four phases are the programme's shape: shown, not edited (the fixtures hold them),
    but for their typical duration, which plans new engagements."""

    list_display = ["order", "code", "name_pt", "name_en", "typical_days"]
    list_display_links = ["code"]
    ordering = ["order"]
    fields = ["code", "order", "name_pt", "name_en", "goal_pt", "goal_en", "typical_days"]
    readonly_fields = ["code", "order", "name_pt", "name_en", "goal_pt", "goal_en"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_staff and request.user.has_perm("responsibilities.change_phase")

    def save_model(self, request, obj, form, change):
        services.phase_set_typical_days(
            phase=obj, days=form.cleaned_data["typical_days"], actor=request.user
        )


class MissingTranslationFilter(admin.SimpleListFilter):
    title = _("English translation")
    parameter_name = "translation"

    def lookups(self, request, model_admin):
        return [("missing", _("missing (shown in Portuguese)")), ("present", _("present"))]

    def queryset(self, request, queryset):
        missing = Q(text_en="") | (~Q(note_pt="") & Q(note_en=""))
        if self.value() == "missing":
            return queryset.filter(missing)
        if self.value() == "present":
            return queryset.exclude(missing)
        return queryset


@admin.register(Responsibility)
class ResponsibilityAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "short_text",
        "party",
        "phase",
        "section",
        "service",
        "condition",
        "position",
        "is_active",
    ]
    list_filter = [
        MissingTranslationFilter,
        "party",
        "phase",
        "section",
        "service",
        "condition",
        "evidence_required",
        "is_active",
    ]
    list_select_related = ["phase"]
    search_fields = ["key", "text_pt", "text_en", "note_pt", "note_en"]
    ordering = ["phase__order", "party", "position"]
    autocomplete_fields = ["parent"]
    actions = ["retire", "reactivate"]
    fieldsets = [
        (None, {"fields": ["key", "party", "phase", "section", "service", "condition"]}),
        (_("Place in the list"), {"fields": ["parent", "position"]}),
        (_("Text"), {"fields": ["text_pt", "text_en", "note_pt", "note_en"]}),
        (
            _("Evidence"),
            {"fields": ["evidence_required", "evidence_hint_pt", "evidence_hint_en"]},
        ),
        (_("Status"), {"fields": ["is_active"]}),
    ]

    @admin.display(description=_("text"), ordering="text_pt")
    def short_text(self, item):
        return item.text_pt[:90]

    def save_model(self, request, obj, form, change):
        services.responsibility_save(item=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.responsibility_delete(item=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for item in queryset:
            services.responsibility_delete(item=item, actor=request.user)

    def _set_active(self, request, queryset, *, active: bool, message) -> None:
        count = services.responsibilities_set_active(
            items=queryset, actor=request.user, active=active
        )
        self.message_user(request, message(count) % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Retire the selected items (left out of new engagements)"))
    def retire(self, request, queryset):
        self._set_active(
            request,
            queryset,
            active=False,
            message=lambda n: ngettext("%(count)d item retired.", "%(count)d items retired.", n),
        )

    @admin.action(description=_("Bring the selected items back into use"))
    def reactivate(self, request, queryset):
        self._set_active(
            request,
            queryset,
            active=True,
            message=lambda n: ngettext(
                "%(count)d item reactivated.", "%(count)d items reactivated.", n
            ),
        )


@admin.register(CatalogueEvent)
class CatalogueEventAdmin(ReadOnlyAdmin):
    """The catalogue's audit trail: readable, never editable."""

    list_display = ["sequence", "created_at", "actor_name", "kind", "item_key"]
    list_filter = ["kind"]
    search_fields = ["item_key", "actor_name", "old_value", "new_value"]


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("Change note"),
        help_text=_("What changed and why, for the managers who will be offered this version."),
        max_length=bounds.NOTE_MAX_LENGTH,
        validators=[bounds.validate_multi_line],
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    """Published versions: listed, each read with what it changed, and made by publishing the
    draft (the add page). A published version is never edited or deleted."""

    list_display = ["number", "published_at", "published_by", "description", "item_count"]
    list_select_related = ["published_by"]
    ordering = ["-number"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description=_("items"), ordering="item_count")
    def item_count(self, version):
        return version.item_count

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _page(self, request, template: str, title: str, **context) -> TemplateResponse:
        return TemplateResponse(
            request,
            f"admin/responsibilities/catalogueversion/{template}",
            {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context},
        )

    def add_view(self, request, form_url="", extra_context=None):
        """Publish: the draft's changes against the last version, and a change note."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PublishForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                version = catalogue_publish(note=form.cleaned_data["note"], actor=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    gettext("Version %(number)d is published.") % {"number": version.number},
                    messages.SUCCESS,
                )
                return redirect(
                    reverse("admin:responsibilities_catalogueversion_change", args=[version.pk])
                )
        changes = draft_changes()
        return self._page(
            request,
            "publish.html",
            gettext("Publish the catalogue"),
            form=form,
            changes=changes,
            counts=change_counts(changes),
            latest=latest_version(),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A version, read: its note and what it changed against the one before."""
        version = self.get_object(request, object_id)
        if version is None:
            raise Http404(gettext("No such catalogue version."))
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        changes = version_changes(version)
        return self._page(
            request,
            "version.html",
            str(version),
            version=version,
            previous=previous_version(version),
            changes=changes,
            counts=change_counts(changes),
        )
