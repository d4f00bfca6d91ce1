import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_token():
    return secrets.token_urlsafe(32)


class ImportSourceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(organisation_id=user.organisation_id)


class ImportSource(models.Model):
    class Kind(models.TextChoices):
        KOBO = "kobo", _("KoboToolbox form")
        FILE = "file", _("Spreadsheet upload")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("casework.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    site = models.ForeignKey("casework.Site", on_delete=models.PROTECT, related_name="+")
    # Kobo question path -> Caminos field; see imports/data/default_mapping.json.
    mapping = models.JSONField(_("field mapping"), default=dict, blank=True)
    token = models.CharField(max_length=64, default=new_token, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImportSourceQuerySet.as_manager()

    def __str__(self):
        return self.name


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        from casework.codes import Role

        mine = self.filter(organisation_id=user.organisation_id)
        if user.role in {Role.SUPERVISOR, Role.ADMIN}:
            return mine
        # An officer follows the files they uploaded; reviewing others' is the supervisor's.
        return mine.filter(created_by=user)


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        VALIDATED = "validated", _("Validated")
        IN_REVIEW = "in_review", _("In review")
        MERGED = "merged", _("Merged")
        REFUSED = "refused", _("Refused")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("casework.Organisation", on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(ImportSource, on_delete=models.PROTECT, null=True, blank=True, related_name="batches")
    site = models.ForeignKey("casework.Site", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200, blank=True)
    # A re-uploaded identical file is the same batch, not a second family.
    file_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # Set when a worker is asked to merge a large batch, so that the page can follow the merge.
    merge_requested_at = models.DateTimeField(null=True, blank=True)
    merged_at = models.DateTimeField(null=True, blank=True)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    error = models.TextField(blank=True)

    objects = ImportBatchQuerySet.as_manager()

    @property
    def merging(self):
        """A worker has the merge and has neither finished nor given up."""
        return self.merge_requested_at is not None and self.status != self.Status.MERGED and not self.error

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "file_sha256"], condition=~models.Q(file_sha256=""),
                                    name="import_batch_file_once"),
        ]


class StagedRow(models.Model):
    """One household as it arrived (members nested), with the errors found in it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    key = models.CharField(max_length=100, blank=True)
    # Kobo's _uuid / meta/instanceID, so that a retried submission is recognised.
    submission_uuid = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict)
    raw = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=dict, blank=True)
    # Likely duplicates of its members in the batch and in the registry (imports.duplicates), and the
    # blocking keys other rows of the batch are looked up by.
    duplicates = models.JSONField(default=list, blank=True)
    match_keys = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    dropped = models.BooleanField(default=False)
    household = models.ForeignKey("casework.Household", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(fields=["submission_uuid"], condition=~models.Q(submission_uuid=""),
                                    name="staged_row_submission_once"),
        ]
        indexes = [GinIndex(fields=["match_keys"], name="staged_row_match_keys_idx")]
