from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.codes import PopulationType, Sex
from casework.forms import DateInput
from casework.models import Site
from distributions.models import Commodity, DistributionRound, EntitlementRule, StockMovement, VerificationMethod


def _sites_for(user):
    sites = Site.objects.filter(is_active=True)
    if not user.is_organisation_wide:
        sites = sites.filter(pk__in=user.sites.all())
    return sites


class CommodityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, commodity):
        return f"{commodity.display_name} ({commodity.get_unit_display()})"


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())
    population_types = forms.MultipleChoiceField(
        label=_("Eligible population types"), choices=PopulationType.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every population type is eligible."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=DistributionRound.Status.choices,
                               initial=DistributionRound.Status.PLANNED)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = _sites_for(user)


class RuleForm(forms.Form):
    commodity = CommodityChoiceField(label=_("Commodity"), queryset=Commodity.objects.filter(is_active=True))
    # The initial value matters: a blank row posts it back and must still count as unchanged.
    per = forms.ChoiceField(label=_("Per"), choices=EntitlementRule.Per.choices, initial=EntitlementRule.Per.HOUSEHOLD)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=12, decimal_places=2)
    household_size_min = forms.IntegerField(label=_("Household size from"), required=False, min_value=0)
    household_size_max = forms.IntegerField(label=_("Household size to"), required=False, min_value=0)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("Any"))] + Sex.choices, required=False)
    age_min = forms.IntegerField(label=_("Age from (years)"), required=False, min_value=0)
    age_max = forms.IntegerField(label=_("Age to (years)"), required=False, min_value=0,
                                 help_text=_("Inclusive: 1 means “under 2”."))


RuleFormSet = forms.formset_factory(RuleForm, extra=6)


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Card number"), max_length=40,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false", "enterkeyhint": "go"}),
        help_text=_("Scan the household card or type its registration number, then Enter."),
    )


class ReceiptForm(forms.Form):
    """The confirmation at the table: quantities default to the entitlement."""

    id = forms.UUIDField(widget=forms.HiddenInput)
    household = forms.UUIDField(widget=forms.HiddenInput)
    verification_method = forms.ChoiceField(label=_("Verified by"), choices=VerificationMethod.choices,
                                            initial=VerificationMethod.CARD_SCANNED)
    distributed_on = forms.DateField(
        label=_("Distribution date"), required=False, widget=DateInput(),
        help_text=_("Only when typing in a paper distribution from an earlier day."),
    )

    def __init__(self, *args, entitlement, **kwargs):
        super().__init__(*args, **kwargs)
        self.commodities = []
        for commodity, quantity in entitlement.lines:
            quantity = Decimal(f"{quantity.normalize():f}")  # 2, not 2.00 or 2E+1
            self.fields[f"qty_{commodity.code}"] = forms.DecimalField(
                label=f"{commodity.display_name} ({commodity.get_unit_display()})", min_value=0, max_value=quantity,
                initial=quantity, max_digits=12, decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )
            self.commodities.append(commodity)

    def quantity_fields(self):
        return [self[f"qty_{commodity.code}"] for commodity in self.commodities]

    def lines(self):
        return [{"commodity": commodity.code, "quantity": self.cleaned_data[f"qty_{commodity.code}"]}
                for commodity in self.commodities if self.cleaned_data[f"qty_{commodity.code}"]]


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Completed roster (CSV)"))


class StockMovementForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=[
        ("received", _("Goods received")), ("adjustment", _("Adjustment (loss, damage, count)")),
        ("transfer", _("Transfer to another site")),
    ])
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    commodity = CommodityChoiceField(label=_("Commodity"),
                                     queryset=Commodity.objects.filter(is_active=True, tracks_stock=True))
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=2,
                                  help_text=_("For an adjustment, negative takes away (e.g. -3)."))
    reason = forms.ChoiceField(label=_("Reason of an adjustment"), required=False,
                               choices=[("", "—")] + StockMovement.Reason.choices)
    to_site = forms.ModelChoiceField(label=_("Transfer to"), queryset=Site.objects.filter(is_active=True),
                                     required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = _sites_for(user)
