"""An engagement's plan against its forecast, its versions, and a re-plan."""

from rest_framework import serializers

from engagements.models import ForecastState, Plan, PlannedPhase
from engagements.planning.risk import AT_RISK, LATE, ON_TRACK

from .common import PersonSerializer

LEVELS = [ON_TRACK, AT_RISK, LATE]


class PhasePlanSerializer(serializers.Serializer):
    phase = serializers.CharField(source="phase.code", help_text="The phase code.")
    planned_start = serializers.DateField(allow_null=True)
    planned_end = serializers.DateField(allow_null=True)
    baseline_start = serializers.DateField(allow_null=True)
    baseline_end = serializers.DateField(allow_null=True)
    forecast_p50 = serializers.DateField(
        allow_null=True, help_text="The day the phase is 50% likely to end by; null once closed."
    )
    forecast_p85 = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True, help_text="The day its gate closed.")


class PlanSummarySerializer(serializers.Serializer):
    """The whole engagement's plan against its forecast, as of today in the reader's zone."""

    version = serializers.IntegerField(help_text="1 is the baseline; each re-plan adds one.")
    planned_end = serializers.DateField(allow_null=True)
    baseline_end = serializers.DateField(allow_null=True)
    forecast_state = serializers.ChoiceField(
        choices=ForecastState.choices,
        allow_blank=True,
        help_text=(
            "ready: forecast_p50 and forecast_p85 are set; history: fewer whole weeks since "
            "the start than the forecast needs; stalled: a party with work left finished "
            "nothing in the recent weeks; finished: every gate closed (finished_on)."
        ),
    )
    forecast_p50 = serializers.DateField(allow_null=True)
    forecast_p85 = serializers.DateField(allow_null=True)
    finished_on = serializers.DateField(allow_null=True)
    slip_days = serializers.IntegerField(
        allow_null=True,
        help_text="Days the end (actual, or forecast at 50%) falls after the planned end.",
    )


class PlanSerializer(PlanSummarySerializer):
    """The current plan and the baseline with the forecast, phase by phase."""

    level = serializers.ChoiceField(choices=LEVELS)
    phases = PhasePlanSerializer(many=True)


class PlannedPhaseSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(source="phase.code")

    class Meta:
        model = PlannedPhase
        fields = ["phase", "starts_on", "ends_on"]
        read_only_fields = fields


class PlanVersionSerializer(serializers.ModelSerializer):
    made_by = PersonSerializer(allow_null=True)
    phases = PlannedPhaseSerializer(many=True)

    class Meta:
        model = Plan
        fields = ["version", "reason", "made_by", "made_at", "phases"]
        read_only_fields = fields


class PhaseDatesSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class PlanChangeSerializer(serializers.Serializer):
    """Every phase's new dates, by phase code, and why (refused without a reason, or when no
    date changes)."""

    reason = serializers.CharField(max_length=500, allow_blank=True)
    phases = serializers.DictField(
        child=PhaseDatesSerializer(),
        help_text="Each phase code (iniciar, avaliar, corrigir, habilitar) with its dates.",
    )
