"""Checkpoint meetings, and what a manager says when scheduling or changing one."""

from rest_framework import serializers

from engagements.checkpoint_forms import USUAL_CHECKPOINT_LENGTH
from engagements.forms import LARGEST_ID
from engagements.models import Checkpoint, CheckpointKind
from responsibilities.models import Phase

from .common import PersonSerializer


class CheckpointSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(source="phase.code")
    kind = serializers.ChoiceField(choices=CheckpointKind.choices)
    attendees = PersonSerializer(many=True)
    is_cancelled = serializers.BooleanField()
    # Declared, not taken from the model: the model's bounds depend on the database, and the
    # schema must not.
    sequence = serializers.IntegerField()

    class Meta:
        model = Checkpoint
        fields = [
            "id",
            "phase",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "agenda",
            "attendees",
            "sequence",
            "is_cancelled",
            "cancelled_at",
            "created_at",
        ]


class CheckpointDetailsSerializer(serializers.Serializer):
    """A meeting as scheduled; a change (PATCH) gives only what changes. The service checks
    the rest, as for the form: lengths, times in the window and ahead, members only."""

    phase = serializers.SlugRelatedField(slug_field="code", queryset=Phase.objects.all())
    kind = serializers.ChoiceField(choices=CheckpointKind.choices)
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(
        required=False, help_text="Leave it out for a one-hour meeting."
    )
    location = serializers.CharField(required=False, allow_blank=True)
    agenda = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    attendees = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=LARGEST_ID),
        required=False,
        help_text="Ids of the engagement's members.",
    )

    def validate(self, data):
        if "starts_at" in data and "ends_at" not in data and not self.partial:
            data["ends_at"] = data["starts_at"] + USUAL_CHECKPOINT_LENGTH
        return data
