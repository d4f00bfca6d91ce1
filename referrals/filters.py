"""Referral filters, shared by the API and the referrals page."""
import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.filters import StrictBooleanFilter
from referrals.codes import Status, Urgency
from referrals.models import Referral, ServiceOffer


class ReferralFilterSet(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(
        choices=[("sent", _("Sent by my organisation")), ("received", _("Received by my organisation"))],
        method="filter_direction", label=_("Direction"), empty_label=_("Sent and received"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"), empty_label=_("All"))
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, label=_("Urgency"), empty_label=_("All"))
    service_type = django_filters.CharFilter(field_name="service_type__code", label=_("Service (code)"))
    receiving_organisation = django_filters.CharFilter(field_name="receiving_organisation__code",
                                                       label=_("Receiving organisation (code)"))
    referring_organisation = django_filters.CharFilter(field_name="referring_organisation__code",
                                                       label=_("Referring organisation (code)"))
    individual = django_filters.UUIDFilter(field_name="individual_id", label=_("Person (id)"))
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Not acknowledged in time"))
    sent_from = django_filters.DateFilter(field_name="sent_at", lookup_expr="date__gte", label=_("Sent from"),
                                          widget=forms.DateInput(attrs={"type": "date"}))
    sent_to = django_filters.DateFilter(field_name="sent_at", lookup_expr="date__lte", label=_("Sent until"),
                                        widget=forms.DateInput(attrs={"type": "date"}))
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Changed since"),
        help_text=_("For partners' systems that pull: the referrals that changed since their last pull."))

    class Meta:
        model = Referral
        fields = []

    def filter_direction(self, queryset, name, value):
        organisation_id = self.request.user.organisation_id if self.request else None
        field = "referring_organisation_id" if value == "sent" else "receiving_organisation_id"
        return queryset.filter(**{field: organisation_id})

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status=Status.SENT, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class ServiceOfferFilterSet(django_filters.FilterSet):
    service_type = django_filters.CharFilter(field_name="service_type__code")
    organisation = django_filters.CharFilter(field_name="organisation__code")
    sector = django_filters.CharFilter(field_name="service_type__sector")
    location = django_filters.CharFilter(
        method="filter_location", help_text=_("A P-code: the offers that reach this place (or any area above it)."))

    class Meta:
        model = ServiceOffer
        fields = []

    def filter_location(self, queryset, name, value):
        from casework.models import Location

        location = Location.objects.select_related("parent__parent__parent").filter(pcode=value).first()
        return queryset.near(location) if location is not None else queryset.none()
