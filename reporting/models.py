import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.codes import PopulationType, Sector, Sex


class Indicator(models.Model):
    """An RMRP indicator that activities report under (seeded; admins may edit and add)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    name = models.CharField(_("name"), max_length=300)
    activity_name = models.CharField(_("activity name"), max_length=200, blank=True,
                                     help_text=_("The 5W “Activity Name” for rows of this indicator."))
    rmrp = models.BooleanField(_("RMRP activity"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sector", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return f"{self.code} · {self.name}"


class DeliveryMechanism(models.TextChoices):
    BANK_ACCOUNT = "bank_account", _("Beneficiary Bank Account")
    MOBILE_MONEY = "mobile_money", _("Mobile Money")
    PREPAID_CARD = "prepaid_card", _("Prepaid Card")
    OVER_THE_COUNTER = "over_the_counter", _("Cash Collection Over the Counter")
    DIRECT_CASH = "direct_cash", _("Direct Cash")
    CARDLESS_ATM = "cardless_atm", _("Cardless ATM Withdrawal")
    VOUCHER = "voucher", _("Voucher")
    OTHER = "other", _("Other")


class ActivityQuerySet(models.QuerySet):
    def in_period(self, start, end):
        return self.filter(date__gte=start, date__lt=end)


class Activity(models.Model):
    """One person reached under one indicator on one day: the fact table every report counts.

    Written by the services of the other apps when assistance happens (a receipt, a completed
    referral, a case in follow-up) and removed when it is undone (a voided receipt), so that a rollup
    is a GROUP BY over this table alone. Sex, date of birth and population type are copied as they
    were on the day; at scale the table is partitioned by month (see README).
    """

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey("casework.Individual", on_delete=models.PROTECT, related_name="activities")
    household = models.ForeignKey("casework.Household", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("casework.Organisation", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("casework.Site", on_delete=models.PROTECT, related_name="+")
    admin1 = models.ForeignKey("casework.Location", on_delete=models.PROTECT, related_name="+")
    admin2 = models.ForeignKey("casework.Location", on_delete=models.PROTECT, related_name="+", null=True)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="activities")
    date = models.DateField()
    population_type = models.CharField(max_length=32, choices=PopulationType.choices)
    sex = models.CharField(max_length=16, choices=Sex.choices)
    date_of_birth = models.DateField()
    quantity = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cva = models.BooleanField(default=False)
    value_usd = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    delivery_mechanism = models.CharField(max_length=32, choices=DeliveryMechanism.choices, blank=True)
    source_type = models.CharField(max_length=32)
    source_id = models.CharField(max_length=64)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id", "person", "indicator"],
                                    name="one_activity_per_source_person_indicator"),
            models.CheckConstraint(condition=Q(cva=False) | ~Q(delivery_mechanism=""),
                                   name="cva_has_a_delivery_mechanism"),
        ]
        indexes = [
            models.Index(fields=["date", "admin1"], name="activity_date_admin1_idx"),
            models.Index(fields=["person", "indicator", "date"], name="activity_person_idx"),
            models.Index(fields=["source_type", "source_id"], name="activity_source_idx"),
        ]


class FirstReach(models.Model):
    """The day an organisation first reached a person under an indicator in a plan year, kept with the
    activities (reporting.activity), so that "new this month" is a lookup, not a scan of the year."""

    person = models.ForeignKey("casework.Individual", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("casework.Organisation", on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    first_date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "organisation", "indicator", "year"],
                                               name="one_first_reach_per_year")]
        # A month's rollup reads its first reaches from the index alone.
        indexes = [models.Index(fields=["year", "first_date"], include=["person", "organisation", "indicator"],
                                name="first_reach_date_idx")]


class PersonMonth(models.Model):
    """One person reached by an organisation under an indicator at a site in a month, with the
    attributes of their first activity of that month there: what a rollup row counts, so that a
    month's rollup is one GROUP BY over these rows instead of a grouping per person first.

    Kept by triggers on reporting_activity (migration 0006), whichever path writes, undoes or moves
    an activity. Plain columns, not foreign keys: the rows are derived from activities, which hold the
    references, and a merge of two people must move the activities only (the triggers follow).
    On a same-day tie the smallest (population type, sex) wins, so a rebuild gives the same row.
    Writers of the same person, indicator and year are serialised by the first-reach upsert of
    reporting.activity.record_acts, so that two of them cannot both mark a month as the first.
    """

    pk = models.CompositePrimaryKey("period", "admin1_id", "site_id", "organisation_id", "indicator_id", "person_id")
    period = models.DateField()
    admin1_id = models.BigIntegerField()
    site_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField()
    indicator_id = models.BigIntegerField()
    person_id = models.UUIDField()
    first_date = models.DateField()
    population_type = models.CharField(max_length=32)
    sex = models.CharField(max_length=16)
    date_of_birth = models.DateField()
    quantity = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # First reached by the organisation under the indicator in this month of the calendar year.
    is_new = models.BooleanField(db_default=False)

    class Meta:
        indexes = [models.Index(fields=["person_id", "organisation_id", "indicator_id", "period"],
                                name="person_month_reach_idx")]


class ReportRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    period = models.DateField(help_text=_("First day of the month"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    departments = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]


class RollupRow(models.Model):
    """People reached in a month, at the finest grain of the report. A person counts once per row;
    totals over several rows are counted again from the activities, never summed."""

    period = models.DateField()
    admin1 = models.ForeignKey("casework.Location", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("casework.Site", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("casework.Organisation", on_delete=models.PROTECT, related_name="+")
    sector = models.CharField(max_length=32, choices=Sector.choices)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    population_type = models.CharField(max_length=32, choices=PopulationType.choices)
    sex = models.CharField(max_length=16, choices=Sex.choices)
    age_band = models.CharField(max_length=8)
    people_reached = models.PositiveIntegerField()
    new_people = models.PositiveIntegerField()
    quantity = models.DecimalField(max_digits=16, decimal_places=2)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["period", "admin1"], name="rollup_period_admin1_idx"),
                   models.Index(fields=["period", "organisation"], name="rollup_period_org_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(new_people__lte=models.F("people_reached")), name="new_within_reached"),
        ]
