import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from referrals.codes import ConsentException, ContactPreference, Language, Urgency


class ReferralForm(forms.Form):
    """The referral a caseworker sends; the organisations offered are those near the person."""

    id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    receiving_organisation = forms.ChoiceField(label=_("Organisation"), widget=forms.RadioSelect)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    reason = forms.CharField(
        label=_("Reason for referral"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only what the partner needs to help: no diagnosis, no story of violence, no other family "
                    "members."))
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.SPANISH)
    contact_preference = forms.ChoiceField(label=_("How to contact the person"), choices=ContactPreference.choices)
    consent_exception = forms.ChoiceField(
        label=_("Referral without consent"), required=False,
        choices=[("", _("No: the person consented"))] + ConsentException.choices)
    exception_justification = forms.CharField(
        label=_("Justification"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for an exception: why the referral cannot wait for consent."))

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_organisation"].choices = [
            (offer.organisation.code, f"{offer.organisation} · {offer.contact_name}") for offer in offers
        ]


class StepForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)
