from rest_framework import serializers

from common.fields import StrictCharField, StrictInput

from .models import ComponentStatus, Impact, Incident, IncidentStatus, MaintenanceStatus, MaintenanceWindow


# Named choice sets, so the OpenAPI schema names each enum (settings.SPECTACULAR_SETTINGS).
OPEN_INCIDENT_STATUSES = [c for c in IncidentStatus.choices if c[0] != IncidentStatus.RESOLVED]
MAINTENANCE_CHANGES = [c for c in MaintenanceStatus.choices if c[0] != MaintenanceStatus.SCHEDULED]


class AffectedComponentSerializer(StrictInput, serializers.Serializer):
    component = StrictCharField(max_length=100, help_text="The component's name, as on the status page.")
    status = serializers.ChoiceField(choices=ComponentStatus.choices)


class IncidentCreateSerializer(StrictInput, serializers.Serializer):
    title = StrictCharField(max_length=200)
    body = StrictCharField(max_length=20_000, help_text="The first public update.")
    status = serializers.ChoiceField(choices=OPEN_INCIDENT_STATUSES, default=IncidentStatus.INVESTIGATING)
    impact = serializers.ChoiceField(choices=Impact.choices, default=Impact.MINOR)
    components = AffectedComponentSerializer(many=True, required=False, default=list)
    started_at = serializers.DateTimeField(required=False, help_text="Default: now.")


class IncidentUpdateSerializer(StrictInput, serializers.Serializer):
    body = StrictCharField(max_length=20_000, required=False,
                           help_text="A public update; required unless only correcting times or the review.")
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    components = AffectedComponentSerializer(many=True, required=False)
    started_at = serializers.DateTimeField(required=False)
    resolved_at = serializers.DateTimeField(required=False)
    postmortem = StrictCharField(max_length=50_000, required=False, allow_blank=True)
    min_fields = 1


class IncidentUpdateOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class IncidentOutSerializer(serializers.ModelSerializer):
    components = serializers.SerializerMethodField()
    updates = IncidentUpdateOutSerializer(many=True)

    class Meta:
        model = Incident
        fields = ["id", "title", "status", "impact", "started_at", "resolved_at", "postmortem", "components", "updates"]

    def get_components(self, obj) -> list[dict]:
        return [{"component": a.component.name, "status": a.status} for a in obj.affected.all()]


class MaintenanceCreateSerializer(StrictInput, serializers.Serializer):
    title = StrictCharField(max_length=200)
    description = StrictCharField(max_length=20_000)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    components = serializers.ListField(child=StrictCharField(max_length=100), required=False, default=list)
    announce = serializers.BooleanField(default=True, help_text="Announce it now (Slack Connect, subscribers).")


class MaintenanceChangeSerializer(StrictInput, serializers.Serializer):
    status = serializers.ChoiceField(choices=MAINTENANCE_CHANGES, required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    min_fields = 1


class MaintenanceOutSerializer(serializers.ModelSerializer):
    components = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = MaintenanceWindow
        fields = ["id", "title", "description", "status", "starts_at", "ends_at", "components", "announced_at"]


class UptimeIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    impact = serializers.CharField()
    started_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class UptimeSerializer(serializers.Serializer):
    organization = serializers.CharField()
    month = serializers.CharField()
    settled = serializers.BooleanField(help_text="True once the month is over and its credit recorded.")
    uptime_percent = serializers.DecimalField(max_digits=7, decimal_places=4, coerce_to_string=False)
    target_percent = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True, coerce_to_string=False)
    downtime_minutes = serializers.DecimalField(max_digits=9, decimal_places=2, coerce_to_string=False)
    excluded_maintenance_minutes = serializers.DecimalField(max_digits=9, decimal_places=2, coerce_to_string=False)
    credit_percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    incidents = UptimeIncidentSerializer(many=True)
