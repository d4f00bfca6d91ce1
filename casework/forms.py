from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import normalise
from casework.codes import ConsentPurpose, DocumentType, PopulationType, Relationship, Sex, specific_need_choices
from casework.errors import InvalidInput
from casework.models import Site


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class HouseholdForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    population_type = forms.ChoiceField(label=_("Population type"), choices=[("", "—")] + PopulationType.choices)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    intended_destination = forms.CharField(label=_("Intended destination"), required=False, max_length=200)
    consent_given = forms.BooleanField(
        label=_("The family agrees that their data is recorded to receive assistance"), required=False
    )
    registered_on = forms.DateField(
        label=_("Registration date"), required=False, widget=DateInput(),
        help_text=_("Only when typing in a paper registration from an earlier day."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        sites = Site.objects.filter(is_active=True)
        if not user.is_organisation_wide:
            sites = sites.filter(pk__in=user.sites.all())
        self.fields["site"].queryset = sites
        if sites.count() == 1:
            self.fields["site"].initial = sites.first()

    def service_fields(self):
        data = self.cleaned_data
        fields = {name: data[name] for name in ("site", "population_type", "phone", "intended_destination",
                                                 "consent_given")}
        if data.get("registered_on") and data["registered_on"] != timezone.localdate():
            fields["registered_at"] = timezone.make_aware(
                timezone.datetime.combine(data["registered_on"], timezone.datetime.min.time().replace(hour=12))
            )
        return fields


class MemberForm(forms.Form):
    id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    relationship_to_head = forms.ChoiceField(label=_("Relationship to head"), choices=Relationship.choices)
    given_name = forms.CharField(label=_("Given names"), max_length=120)
    family_name = forms.CharField(label=_("Family names"), max_length=120)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—")] + Sex.choices)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    age_years = forms.IntegerField(label=_("or estimated age"), required=False, min_value=0,
                                   max_value=normalise.MAX_AGE_YEARS)
    nationality = forms.ChoiceField(label=_("Nationality"), initial="VEN")
    document_type = forms.ChoiceField(label=_("Document"), choices=DocumentType.choices,
                                      initial=DocumentType.CEDULA_VE)
    document_number = forms.CharField(label=_("Document number"), required=False, max_length=40)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    specific_needs = forms.MultipleChoiceField(label=_("Specific needs"), required=False,
                                               choices=specific_need_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = normalise.country_choices()

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        if data.get("date_of_birth") is not None:
            data.pop("age_years", None)
        if not data.get("id"):
            data.pop("id", None)
        return data


class BaseMemberFormSet(forms.BaseFormSet):
    def kept_forms(self):
        """The rows to save: filled in (or already existing) and not marked for removal."""
        return [
            form for form in self.forms
            if (form.has_changed() or form.initial) and not self._should_delete_form(form)
        ]


MemberFormSet = forms.formset_factory(
    MemberForm, formset=BaseMemberFormSet, extra=0, min_num=1, can_delete=True
)


def apply_service_errors(invalid: InvalidInput, household_form, kept_member_forms):
    """Show a service's errors beside the fields the officer typed them in."""
    for name, messages in invalid.errors.items():
        if name == "members":
            for form, member_errors in zip(kept_member_forms, messages):
                for field, field_messages in member_errors.items():
                    target = field if field in form.fields else None
                    for message in field_messages:
                        form.add_error(target, message)
            continue
        target = name if name in household_form.fields else None
        if name == "registered_at":
            target = "registered_on"
        for message in messages:
            household_form.add_error(target, message)


class ConsentForm(forms.Form):
    subject = forms.ChoiceField(label=_("Who gives consent for"))
    purposes = forms.MultipleChoiceField(label=_("Purposes"), choices=ConsentPurpose.choices,
                                         widget=forms.CheckboxSelectMultiple)
    given_by = forms.CharField(label=_("Given by"), max_length=240,
                               help_text=_("The person who gave consent (for a child, the parent or guardian)."))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("household", _("The whole household"))] + [
            (str(member.pk), str(member)) for member in members
        ]
