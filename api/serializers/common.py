"""Pieces the resources share: people, tallies, errors."""

from rest_framework import serializers

from fasttrack.bounds import without_bidi_controls


class PersonSerializer(serializers.Serializer):
    """An account as the pages name it: full name, or username when it has none."""

    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return without_bidi_controls(user.get_full_name() or user.get_username())


class TallySerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    """Every error: a message in the caller's language, and the messages per field."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
