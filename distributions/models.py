import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from casework.codes import PopulationType, Role, Sector, Sex
from casework.models import Household, Organisation, Site, User


def _scoped(queryset, user, *, organisation, site):
    """The registry's ownership rule applied to distribution records: organisation-wide roles see their
    organisation's, field officers and caseworkers only those at their sites."""
    if not user.is_authenticated or not user.is_active or user.organisation_id is None:
        return queryset.none()
    if user.role in {Role.SUPERVISOR, Role.ADMIN, Role.ME_OFFICER}:
        return queryset.filter(**{organisation: user.organisation_id})
    if user.role in {Role.FIELD_OFFICER, Role.CASEWORKER}:
        return queryset.filter(**{organisation: user.organisation_id, f"{site}__in": user.sites.all()})
    return queryset.none()


class Category(models.TextChoices):
    FOOD = "food", _("Food")
    NFI = "nfi", _("Non-food items")
    HYGIENE = "hygiene", _("Hygiene")
    BABY = "baby", _("Baby")
    SHELTER = "shelter", _("Shelter")
    WASH = "wash", _("Water, sanitation and hygiene")
    CASH = "cash", _("Cash (CBI)")


class Unit(models.TextChoices):
    KIT = "kit", _("kit")
    PIECE = "piece", _("piece")
    LITRE = "litre", _("litre")
    PEN = "PEN", _("Peruvian soles (PEN)")


class Commodity(models.Model):
    """An item of the catalogue, with the sector and indicator it reports under."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_es = models.CharField(_("name in Spanish"), max_length=120, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    indicator = models.CharField(
        _("indicator"), max_length=200, blank=True,
        help_text=_("Code and name of the indicator it reports under, e.g. “FS-1 People receiving food”."),
    )
    tracks_stock = models.BooleanField(
        _("tracks stock"), default=True,
        help_text=_("Off for cash: there is no warehouse balance to draw from."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("commodity")
        verbose_name_plural = _("commodities")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if self.name_es and translation.get_language() == "es":
            return self.name_es
        return self.name


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _scoped(self, user, organisation="organisation_id", site="site")

    def open(self):
        return self.filter(status=DistributionRound.Status.OPEN)


class DistributionRound(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="distribution_rounds",
                                     verbose_name=_("organisation"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="distribution_rounds",
                             verbose_name=_("site"))
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    population_types = ArrayField(
        models.CharField(max_length=32, choices=PopulationType.choices), default=list, blank=True,
        verbose_name=_("eligible population types"), help_text=_("Empty: every population type is eligible."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("distribution round")
        verbose_name_plural = _("distribution rounds")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="round_ends_after_start"),
        ]
        indexes = [models.Index(fields=["organisation", "site", "-starts_on"], name="round_scope_idx")]

    def __str__(self):
        return self.name

    def population_type_labels(self):
        return [PopulationType(value).label for value in self.population_types]

    def is_eligible(self, household):
        return not self.population_types or household.population_type in self.population_types


class EntitlementRule(models.Model):
    """How much of one commodity a household gets: a fixed quantity for households whose size is in the
    band, or a quantity per member matching sex and age (e.g. one baby kit per child under 2)."""

    class Per(models.TextChoices):
        HOUSEHOLD = "household", _("per household")
        MEMBER = "member", _("per matching member")

    round = models.ForeignKey(DistributionRound, on_delete=models.CASCADE, related_name="rules")
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("commodity"))
    per = models.CharField(_("per"), max_length=16, choices=Per.choices, default=Per.HOUSEHOLD)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    household_size_min = models.PositiveSmallIntegerField(_("household size from"), null=True, blank=True)
    household_size_max = models.PositiveSmallIntegerField(_("household size to"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=16, choices=Sex.choices, blank=True)
    age_min = models.PositiveSmallIntegerField(_("age from (years)"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(
        _("age to (years)"), null=True, blank=True, help_text=_("Inclusive: 1 means “under 2”."),
    )

    class Meta:
        ordering = ["round", "commodity__code", "id"]
        verbose_name = _("entitlement rule")
        verbose_name_plural = _("entitlement rules")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="rule_quantity_positive"),
            models.CheckConstraint(
                condition=Q(household_size_min__isnull=True) | Q(household_size_max__isnull=True)
                | Q(household_size_max__gte=models.F("household_size_min")),
                name="rule_size_band_ordered",
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True) | Q(age_max__isnull=True) | Q(age_max__gte=models.F("age_min")),
                name="rule_age_band_ordered",
            ),
        ]


class VerificationMethod(models.TextChoices):
    CARD_SCANNED = "card_scanned", _("Card scanned")
    DOCUMENT_SEEN = "document_seen", _("Identity document seen")
    SIGNATURE = "signature", _("Signature on the roster")


class ReceiptQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.role == Role.ME_OFFICER:
            return self.none()  # M&E officers see aggregates, not who received what
        return _scoped(self, user, organisation="round__organisation_id", site="site")

    def active(self):
        return self.filter(voided_at__isnull=True)

    def with_details(self):
        return self.select_related("household", "round", "site", "handed_over_by", "voided_by").prefetch_related(
            models.Prefetch("lines", queryset=ReceiptLine.objects.select_related("commodity").order_by(
                "commodity__code"))
        )


class Receipt(models.Model):
    """What a household received in a round. Never deleted: a mistake is voided, with a reason."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="receipts",
                                  verbose_name=_("household"))
    round = models.ForeignKey(DistributionRound, on_delete=models.PROTECT, related_name="receipts",
                              verbose_name=_("round"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("site"))
    distributed_at = models.DateTimeField(_("distributed at"), default=timezone.now)
    handed_over_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("handed over by"))
    verification_method = models.CharField(_("verification"), max_length=16, choices=VerificationMethod.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("voided by"))
    void_reason = models.CharField(_("reason for voiding"), max_length=500, blank=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        ordering = ["-distributed_at"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            # No household is served twice in a round, whatever races the application loses.
            models.UniqueConstraint(fields=["household", "round"], condition=Q(voided_at__isnull=True),
                                    name="one_receipt_per_household_and_round"),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | (Q(voided_by__isnull=False) & ~Q(void_reason="")),
                name="void_has_who_and_why",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "-distributed_at"], name="receipt_round_idx"),
            models.Index(fields=["site", "-distributed_at"], name="receipt_site_idx"),
        ]

    def __str__(self):
        return f"{self.household} · {self.round}"

    @property
    def is_voided(self):
        return self.voided_at is not None


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="lines")
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("commodity"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["receipt", "commodity"], name="one_line_per_commodity"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_line_quantity_positive"),
        ]


class StockQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _scoped(self, user, organisation="organisation_id", site="site")


class StockBalance(models.Model):
    """What an organisation holds of a commodity at a site. Changed only together with a movement,
    under a row lock; the database refuses a negative balance."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="stock_balances", verbose_name=_("site"))
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, related_name="balances",
                                  verbose_name=_("commodity"))
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StockQuerySet.as_manager()

    class Meta:
        ordering = ["site__name", "commodity__code"]
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "site", "commodity"], name="one_balance_per_stock"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_never_negative"),
        ]


class StockMovement(models.Model):
    """The ledger: every change of a balance, signed (+ in, - out)."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        ISSUED = "issued", _("Issued by a receipt")
        RETURNED = "returned", _("Returned by a voided receipt")
        ADJUSTMENT = "adjustment", _("Adjustment")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")

    class Reason(models.TextChoices):
        LOSS = "loss", _("Loss")
        DAMAGE = "damage", _("Damage")
        EXPIRY = "expiry", _("Expiry")
        COUNT = "count", _("Stock count correction")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="stock_movements", verbose_name=_("site"))
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, related_name="movements",
                                  verbose_name=_("commodity"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, null=True, blank=True, related_name="movements")
    # Both legs of a transfer share it.
    transfer = models.UUIDField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    occurred_at = models.DateTimeField(_("date"), default=timezone.now)

    objects = StockQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_not_zero"),
            models.CheckConstraint(condition=~Q(kind="adjustment") | ~Q(reason=""), name="adjustment_has_reason"),
        ]
        indexes = [models.Index(fields=["organisation", "site", "commodity", "-occurred_at"],
                                name="movement_scope_idx")]
