"""List filters of the distributions API and pages: site, round, date range, commodity."""
import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from casework.filters import StrictBooleanFilter
from distributions.models import DistributionRound, Receipt, ReceiptLine, StockBalance, StockMovement


class RoundFilterSet(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", lookup_expr="iexact", label=_("Site code"))
    status = django_filters.ChoiceFilter(choices=DistributionRound.Status.choices, label=_("Status"))
    date_from = django_filters.DateFilter(field_name="ends_on", lookup_expr="gte",
                                          label=_("Running on or after"))
    date_to = django_filters.DateFilter(field_name="starts_on", lookup_expr="lte",
                                        label=_("Running on or before"))
    commodity = django_filters.CharFilter(field_name="rules__commodity__code", distinct=True,
                                          label=_("Commodity code"))

    class Meta:
        model = DistributionRound
        fields = []


class ReceiptFilterSet(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", lookup_expr="iexact", label=_("Site code"))
    round = django_filters.UUIDFilter(field_name="round_id", label=_("Round id"))
    household = django_filters.UUIDFilter(field_name="household_id", label=_("Household id"))
    date_from = django_filters.DateFilter(field_name="distributed_at", lookup_expr="date__gte",
                                          label=_("Distributed from"))
    date_to = django_filters.DateFilter(field_name="distributed_at", lookup_expr="date__lte",
                                        label=_("Distributed until"))
    commodity = django_filters.CharFilter(method="filter_commodity", label=_("Commodity code"))
    voided = StrictBooleanFilter(field_name="voided_at", lookup_expr="isnull", exclude=True,
                                          label=_("Voided"))

    class Meta:
        model = Receipt
        fields = []

    def filter_commodity(self, queryset, name, value):
        return queryset.filter(Exists(ReceiptLine.objects.filter(receipt=OuterRef("pk"), commodity__code=value)))


class StockBalanceFilterSet(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", lookup_expr="iexact", label=_("Site code"))
    commodity = django_filters.CharFilter(field_name="commodity__code", label=_("Commodity code"))

    class Meta:
        model = StockBalance
        fields = []


class StockMovementFilterSet(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", lookup_expr="iexact", label=_("Site code"))
    commodity = django_filters.CharFilter(field_name="commodity__code", label=_("Commodity code"))
    kind = django_filters.ChoiceFilter(choices=StockMovement.Kind.choices, label=_("Kind"))
    round = django_filters.UUIDFilter(field_name="receipt__round_id", label=_("Round id"))
    date_from = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label=_("Until"))

    class Meta:
        model = StockMovement
        fields = []
