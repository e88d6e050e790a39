from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import CatalogueEvent, Phase, Responsibility


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
    """The four phases are the programme's shape: shown, not edited (the fixtures hold them)."""

    list_display = ["order", "code", "name_pt", "name_en"]
    list_display_links = ["code"]
    ordering = ["order"]


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
