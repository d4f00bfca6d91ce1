from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.models import Site
from imports import services
from imports.models import ImportBatch, ImportSource, StagedRow


class ImportSourceSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", queryset=Site.objects.filter(is_active=True))
    mapping = serializers.JSONField(required=False)
    webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportSource
        fields = ["id", "name", "kind", "site", "mapping", "token", "webhook_url", "created_at"]
        read_only_fields = ["id", "token", "created_at"]

    def get_webhook_url(self, source) -> str | None:
        if source.kind != ImportSource.Kind.KOBO:
            return None
        request = self.context.get("request")
        path = f"/api/v1/imports/kobo/{source.pk}/"
        return request.build_absolute_uri(path) if request else path


class ImportBatchSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    source = serializers.PrimaryKeyRelatedField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    merged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    counts = serializers.SerializerMethodField()
    merging = serializers.BooleanField(read_only=True, help_text=_("A worker is merging the batch now."))

    class Meta:
        model = ImportBatch
        fields = ["id", "status", "site", "source", "file_name", "created_by", "created_at", "total_rows",
                  "processed_rows", "counts", "merge_requested_at", "merging", "merged_at", "merged_by", "error"]
        read_only_fields = fields

    def get_counts(self, batch) -> dict:
        return services.counts(batch)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("The filled-in template, .xlsx or .csv."))
    site = serializers.SlugRelatedField(slug_field="code", queryset=Site.objects.filter(is_active=True),
                                        required=False)


class StagedRowSerializer(serializers.ModelSerializer):
    household = serializers.JSONField(source="data.household", required=False)
    members = serializers.JSONField(source="data.members", required=False)
    registered_household = serializers.PrimaryKeyRelatedField(source="household", read_only=True)
    duplicates = serializers.JSONField(read_only=True, help_text=_(
        "Likely duplicates of each member (`member` is its index): `kind` batch (another row of this batch), "
        "registry (a registered person) or elsewhere (a count of matches in other organisations)."))

    class Meta:
        model = StagedRow
        fields = ["id", "row_number", "key", "submission_uuid", "household", "members", "errors", "duplicates",
                  "dropped", "registered_household"]
        read_only_fields = ["id", "row_number", "key", "submission_uuid", "errors", "dropped"]

    def validate_members(self, value):
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise serializers.ValidationError(_("Send the members as a list of objects."))
        return value

    def validate_household(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Send the household as an object."))
        return value
