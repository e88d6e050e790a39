"""Engagements with the status the portfolio shows, their members and their audit trail."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagements.models import ActivityEvent, EventKind, Membership, Option, Role
from responsibilities.models import Party, Service

from .common import PersonSerializer, TallySerializer
from .plans import LEVELS, PlanSummarySerializer

WAITING_ON = [*Party.values, "both"]


class ProgressSerializer(serializers.Serializer):
    customer = TallySerializer()
    microsoft = TallySerializer()
    overall = TallySerializer()


class OverdueSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    microsoft = serializers.IntegerField()


class CheckpointSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class EngagementSerializer(serializers.Serializer):
    """One portfolio row (engagements.status.portfolio.PortfolioRow): the engagement and its
    status, as the portfolio page shows them."""

    id = serializers.IntegerField(source="engagement.pk")
    customer = serializers.CharField(source="engagement.customer")
    services = serializers.ListField(
        source="engagement.services", child=serializers.ChoiceField(choices=Service.choices)
    )
    options = serializers.SerializerMethodField()
    licence_count = serializers.IntegerField(source="engagement.licence_count")
    purchase_date = serializers.DateField(source="engagement.purchase_date")
    start_date = serializers.DateField(source="engagement.start_date")
    current_phase = serializers.CharField(
        source="status.current_phase.code",
        allow_null=True,
        help_text="The phase code, or null once every phase's gate is closed.",
    )
    waiting_on = serializers.ChoiceField(
        source="status.waiting_on", choices=WAITING_ON, allow_null=True
    )
    at_risk = serializers.SerializerMethodField()
    level = serializers.ChoiceField(
        choices=LEVELS, help_text="late, at_risk or on_track, with risk_reasons saying why."
    )
    risk_reasons = serializers.ListField(child=serializers.CharField())
    plan = PlanSummarySerializer(
        help_text="The plan against the forecast; phase by phase at the engagement's plan/."
    )
    progress = ProgressSerializer(source="status")
    overdue = OverdueSerializer(source="status.overdue_by_party")
    next_checkpoint = CheckpointSummarySerializer(source="status.next_checkpoint", allow_null=True)
    last_activity_at = serializers.DateTimeField(source="status.last_activity_at", allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Option.choices)))
    def get_options(self, row) -> list[str]:
        return [option for option in Option.values if getattr(row.engagement, option)]

    def get_at_risk(self, row) -> bool:
        return bool(row.risk_reasons)


class PhaseSerializer(serializers.Serializer):
    """One phase of an engagement, as the portfolio's phase matrix shows it."""

    phase = serializers.CharField(source="phase.code")
    name = serializers.CharField(source="phase.name")
    customer = TallySerializer()
    microsoft = TallySerializer()
    days = serializers.IntegerField(allow_null=True)
    is_current = serializers.BooleanField()
    gate_closed = serializers.BooleanField(source="is_done")


class EngagementDetailSerializer(EngagementSerializer):
    phases = PhaseSerializer(source="status.matrix_cells", many=True)


class MemberSerializer(serializers.ModelSerializer):
    user = PersonSerializer()
    email = serializers.EmailField(source="user.email")
    party = serializers.ChoiceField(choices=Party.choices)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "email", "party", "role"]
        read_only_fields = fields  # an answer: every field is always there


class PartyOrNullField(serializers.ChoiceField):
    """A party, or null where the event stores none (blank): one enum for clients, not an
    enum and an enum of the empty string."""

    def __init__(self, **kwargs):
        super().__init__(choices=Party.choices, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class EventSerializer(serializers.ModelSerializer):
    """An audit event: what changed, as data (engagements/activity/text.py documents each kind's
    `changes`); the kind is also named in the reader's language."""

    kind = serializers.ChoiceField(choices=EventKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    actor = serializers.SerializerMethodField()
    party = PartyOrNullField(help_text="The actor's party; null for staff and the system.")
    on_behalf_of = PartyOrNullField(
        help_text="The party the change was made for by the other party's manager; else null."
    )
    changes = serializers.DictField()
    sequence = serializers.IntegerField()  # the model's bounds depend on the database

    class Meta:
        model = ActivityEvent
        fields = [
            "id",
            "sequence",
            "kind",
            "kind_label",
            "created_at",
            "actor",
            "party",
            "on_behalf_of",
            "task",
            "checkpoint",
            "changes",
            "reason",
            "previous_hash",
            "hash",
        ]
        read_only_fields = fields  # an answer: every field is always there

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer", "nullable": True}, "name": {"type": "string"}},
            "required": ["id", "name"],
        }
    )
    def get_actor(self, event) -> dict | None:
        """The name the actor had then, as the trail keeps it; null for the system."""
        if event.actor_id is None and not event.actor_name:
            return None
        return {"id": event.actor_id, "name": event.actor_name}
