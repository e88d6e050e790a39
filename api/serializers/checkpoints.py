"""Checkpoint meetings, and what a manager says when scheduling or changing one."""

import datetime

from rest_framework import serializers

from engagements.meetings.forms import USUAL_CHECKPOINT_LENGTH
from engagements.models import Checkpoint, CheckpointKind
from fasttrack.bounds import CHECKPOINT_MAX_DURATION, LARGEST_ID
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
        read_only_fields = fields  # an answer: every field is always there


class PhaseCodeField(serializers.SlugRelatedField):
    """A phase by its code. A code holding a NUL is no phase's, and is said so before the
    lookup, which PostgreSQL would refuse with an error."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


class CheckpointDetailsSerializer(serializers.Serializer):
    """A meeting as scheduled; a change (PATCH) gives only what changes. The service checks
    the rest, as for the form: lengths, times in the window and ahead, members only."""

    phase = PhaseCodeField(
        slug_field="code",
        queryset=Phase.objects.all(),
        help_text="A phase code (an engagement's `phases` give them); any other is a 400.",
    )
    kind = serializers.ChoiceField(choices=CheckpointKind.choices)
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(
        required=False,
        help_text="After `starts_at` and at most "
        f"{CHECKPOINT_MAX_DURATION // datetime.timedelta(hours=1)} hours later, else a 400. "
        "Leave it out for a one-hour meeting; a change that moves only `starts_at` keeps the "
        "meeting's length.",
    )
    location = serializers.CharField(required=False, allow_blank=True)
    agenda = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    attendees = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=LARGEST_ID),
        required=False,
        help_text="Ids of people who are members of the engagement (`user.id` in its members, "
        "`id` in a checkpoint's `attendees`); any other id is a 400.",
    )

    def validate(self, data):
        if "starts_at" in data and "ends_at" not in data and not self.partial:
            data["ends_at"] = data["starts_at"] + USUAL_CHECKPOINT_LENGTH
        return data
