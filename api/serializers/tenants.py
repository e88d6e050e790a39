from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenants.models import ConnectionState, Observation, Result, TenantConnection, Tier
from tenants.selectors import shown


class TenantConnectionSerializer(serializers.ModelSerializer):
    """The engagement's link to its customer's tenant: never a token or a secret."""

    state = serializers.ChoiceField(choices=ConnectionState.choices)
    state_label = serializers.CharField(source="get_state_display")
    tier = serializers.ChoiceField(choices=Tier.choices)
    consented_by = serializers.SerializerMethodField()

    class Meta:
        model = TenantConnection
        fields = [
            "state",
            "state_label",
            "tier",
            "tenant_id",
            "tenant_name",
            "consented_by",
            "consented_at",
            "last_checked_at",
            "revoked_reason",
        ]
        read_only_fields = fields  # an answer: every field is always there

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        }
    )
    def get_consented_by(self, connection):
        user = connection.consented_by
        if user is None:
            return None
        return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


class ObservationSerializer(serializers.ModelSerializer):
    """What one check saw in one reading: the request ids Graph gave, the facts kept (counts,
    ids and names; no person's data), the result in words of the reader's language, and the
    SHA-256 its reading's event in the trail carries."""

    result = serializers.ChoiceField(choices=Result.choices)
    result_label = serializers.CharField(source="get_result_display")
    check = serializers.CharField(source="check_key")
    words = serializers.SerializerMethodField()
    responsibilities = serializers.SerializerMethodField()
    requests = serializers.ListField(child=serializers.DictField())
    facts = serializers.DictField()

    class Meta:
        model = Observation
        fields = [
            "id",
            "run",
            "check",
            "check_version",
            "responsibilities",
            "observed_at",
            "result",
            "result_label",
            "words",
            "requests",
            "facts",
            "sha256",
        ]
        read_only_fields = fields  # an answer: every field is always there

    def get_words(self, observation) -> str:
        return shown(observation).words

    def get_responsibilities(self, observation) -> list[str]:
        return list(shown(observation).check.responsibilities)
