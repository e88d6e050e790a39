"""Tasks as the task page shows them, and the changes a manager makes to one."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from engagements.models import Task
from fasttrack.bounds import LARGEST_ID
from responsibilities.models import Party

from .common import PersonSerializer


class TaskSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(
        source="phase.code",
        allow_null=True,
        help_text="The phase code; null for a general responsibility (a standing commitment).",
    )
    party = serializers.ChoiceField(choices=Party.choices)
    text = serializers.CharField(help_text="In the reader's language (Portuguese if untranslated).")
    catalogue_note = serializers.CharField()
    evidence_hint = serializers.CharField()
    is_standing = serializers.BooleanField()
    is_overdue = serializers.BooleanField()
    position = serializers.IntegerField()  # the model's bounds depend on the database
    done_by = PersonSerializer(allow_null=True)
    owner = PersonSerializer(allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "phase",
            "party",
            "section",
            "parent",
            "position",
            "text",
            "text_pt",
            "text_en",
            "catalogue_note",
            "evidence_required",
            "evidence_hint",
            "is_standing",
            "withdrawn_at",
            "done",
            "done_at",
            "done_by",
            "awaiting_confirmation",
            "due_date",
            "is_overdue",
            "owner",
            "note",
        ]
        read_only_fields = fields  # an answer: every field is always there


class TaskChangeSerializer(serializers.Serializer):
    """Any of these, in one request: all are made or, if one is refused, none."""

    done = serializers.BooleanField(required=False)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Why, with `done` (e.g. why it is undone); sent without `done`, a 400.",
    )
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    due_date = serializers.DateField(required=False, allow_null=True)
    owner = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=LARGEST_ID,
        help_text="The id of a member of the task's party; null gives the task back to it.",
    )

    def validate(self, data):
        if "reason" in data and "done" not in data:
            raise serializers.ValidationError(
                {"reason": _("A reason goes with marking the task done or not done.")}
            )
        return data
