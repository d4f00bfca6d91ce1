"""Registry filters, shared by the API and the registry page."""
import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.codes import SPECIFIC_NEEDS, PopulationType, Sex, is_sensitive_need
from casework.permissions import SENSITIVE_READERS
from casework.models import AuditEvent, Household, Individual, Site


class _RawNullBooleanSelect(forms.NullBooleanSelect):
    """Renders the yes/no/any select, and hands the field what was sent, so that a wrong value can be
    refused instead of read as "any"."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictBooleanField(forms.NullBooleanField):
    widget = _RawNullBooleanSelect
    TRUE, FALSE = {"true", "1", "2", "yes", "on", "si", "sí"}, {"false", "0", "3", "no", "off"}
    default_error_messages = {"invalid": _("Write true or false.")}

    def to_python(self, value):
        if isinstance(value, bool):
            return value
        text = str(value or "").strip().lower()
        if text in {"", "unknown"}:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter that answers `?overdue=maybe` with a message instead of ignoring it (which
    would list everything and look like an answer)."""
    field_class = StrictBooleanField


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def member_condition(*, sex=None, nationality=None, specific_need=None, age_min=None, age_max=None):
    """One person's attributes as a Q."""
    condition = Q()
    today = timezone.localdate()
    if sex:
        condition &= Q(sex=sex)
    if nationality:
        condition &= Q(nationality=nationality.upper())
    if specific_need:
        code = specific_need.upper()
        # A main code (SC) also finds its sub-codes (SC-UC, SC-SC).
        codes = [code, *SPECIFIC_NEEDS[code][1]] if code in SPECIFIC_NEEDS else [code]
        if not is_sensitive_need(code):
            codes = [candidate for candidate in codes if not is_sensitive_need(candidate)]
        condition &= Q(specific_needs__overlap=codes)
    if age_min is not None:
        condition &= Q(date_of_birth__lte=_years_before(today, age_min))
    if age_max is not None:
        condition &= Q(date_of_birth__gt=_years_before(today, age_max + 1))
    return condition


class RegistryFilterSet(django_filters.FilterSet):
    """The filters both lists share: person attributes, place, time and free text."""

    site = django_filters.CharFilter(method="filter_nothing", label=_("Site"))
    population_type = django_filters.ChoiceFilter(choices=PopulationType.choices, method="filter_nothing",
                                                  label=_("Population type"), empty_label=_("All"))
    registered_from = django_filters.DateFilter(method="filter_nothing", label=_("Registered from"),
                                                widget=forms.DateInput(attrs={"type": "date"}))
    registered_to = django_filters.DateFilter(method="filter_nothing", label=_("Registered until"),
                                              widget=forms.DateInput(attrs={"type": "date"}))
    sex = django_filters.ChoiceFilter(choices=Sex.choices, method="filter_nothing", label=_("Sex"),
                                      empty_label=_("All"))
    nationality = django_filters.CharFilter(method="filter_nothing", label=_("Nationality (ISO alpha-3)"))
    specific_need = django_filters.CharFilter(method="filter_nothing", label=_("Specific need code"))
    age_min = django_filters.NumberFilter(min_value=0, method="filter_nothing", label=_("Minimum age"))
    age_max = django_filters.NumberFilter(min_value=0, method="filter_nothing", label=_("Maximum age"))
    search = django_filters.CharFilter(method="filter_nothing", label=_("Name, document or registration number"))

    household_prefix = ""

    def filter_nothing(self, queryset, name, value):
        # Applied together in filter_queryset, so that person filters describe one and the same person.
        return queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        household = self.household_prefix
        if data.get("site"):
            # The site's id, not a join on its code: with the join the planner cannot tell how many of a
            # site's households a search matches, and reads every household of the site to find out.
            site_ids = list(Site.objects.filter(code=data["site"].upper()).values_list("pk", flat=True))
            queryset = queryset.filter(**{f"{household}site_id__in": site_ids})
        if data.get("population_type"):
            queryset = queryset.filter(**{f"{household}population_type": data["population_type"]})
        if data.get("registered_from"):
            queryset = queryset.filter(**{f"{household}registered_at__date__gte": data["registered_from"]})
        if data.get("registered_to"):
            queryset = queryset.filter(**{f"{household}registered_at__date__lte": data["registered_to"]})
        person = {
            name: data.get(name) for name in ("sex", "nationality", "specific_need")
        } | {name: int(data[name]) if data.get(name) is not None else None for name in ("age_min", "age_max")}
        user = getattr(self.request, "user", None)
        if person["specific_need"] and is_sensitive_need(person["specific_need"].upper()) and not (
                user is not None and user.role in SENSITIVE_READERS):
            # Filtering by a GBV or trafficking code would single out survivors: only for cleared readers.
            return queryset.none()
        if any(value not in (None, "") for value in person.values()):
            queryset = self.filter_people(queryset, member_condition(**person))
        if data.get("search"):
            queryset = queryset.search(data["search"])
        return queryset


class HouseholdFilterSet(RegistryFilterSet):
    class Meta:
        model = Household
        fields = []

    def filter_people(self, queryset, condition):
        return queryset.filter(Exists(Individual.objects.filter(condition, household=OuterRef("pk"))))


class IndividualFilterSet(RegistryFilterSet):
    household_prefix = "household__"
    household = django_filters.UUIDFilter(field_name="household_id", label=_("Household id"))

    class Meta:
        model = Individual
        fields = ["household"]

    def filter_queryset(self, queryset):
        if self.form.cleaned_data.get("household"):
            queryset = queryset.filter(household_id=self.form.cleaned_data["household"])
        return super().filter_queryset(queryset)

    def filter_people(self, queryset, condition):
        return queryset.filter(condition)



class AuditEventFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor__username", label=_("User"))
    action = django_filters.ChoiceFilter(choices=AuditEvent.Action.choices, label=_("Action"), empty_label=_("All"))
    object_type = django_filters.CharFilter(label=_("Record type"))
    object_id = django_filters.CharFilter(label=_("Record id"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("Until"),
                                      widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AuditEvent
        fields = []
