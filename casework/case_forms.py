"""Forms of the case pages. They only collect input: the rules are case_services'."""
from django import forms
from django.utils.translation import gettext_lazy as _

from casework.codes import Role, specific_need_choices
from casework.forms import DateInput
from casework.models import CaseActivityType, CasePriority, CaseStatus, User


def _staff_choices(organisation_id, roles, empty_label):
    users = User.objects.filter(organisation_id=organisation_id, role__in=roles, is_active=True).order_by(
        "first_name", "last_name", "username")
    return [("", empty_label)] + [(user.username, user.get_full_name() or user.username) for user in users]


class AssessmentForm(forms.Form):
    specific_needs = forms.MultipleChoiceField(label=_("Specific needs"), required=False,
                                               choices=specific_need_choices)
    details = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sensitive: only the assigned caseworker and the supervisors can read them."),
    )
    priority_override = forms.ChoiceField(
        label=_("Set the priority by hand"), required=False,
        choices=[("", _("No: use the priority rules"))] + CasePriority.choices,
    )
    override_reason = forms.CharField(label=_("Why the priority is set by hand"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def assessment(self):
        return {name: self.cleaned_data[name] for name in
                ("specific_needs", "details", "priority_override", "override_reason")}


class OpenCaseForm(AssessmentForm):
    individual = forms.ChoiceField(label=_("The case is about"), required=False)
    assigned_to = forms.ChoiceField(label=_("Caseworker"), required=False)
    supervisor = forms.ChoiceField(label=_("Supervisor"), required=False)

    field_order = ["individual", "assigned_to", "supervisor", "specific_needs", "details", "priority_override",
                   "override_reason"]

    def __init__(self, *args, household, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["individual"].choices = [("", _("The whole household"))] + [
            (str(member.pk), f"{member.given_name} {member.family_name}") for member in household.members.all()
        ]
        self.fields["assigned_to"].choices = _staff_choices(
            household.organisation_id, [Role.CASEWORKER, Role.SUPERVISOR], _("Not assigned yet"))
        self.fields["supervisor"].choices = _staff_choices(
            household.organisation_id, [Role.SUPERVISOR], _("Any supervisor"))
        if user.role == Role.CASEWORKER:
            self.fields["assigned_to"].initial = user.username


class AssignForm(forms.Form):
    assigned_to = forms.ChoiceField(label=_("Caseworker"), required=False)
    supervisor = forms.ChoiceField(label=_("Supervisor"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = _staff_choices(
            case.organisation_id, [Role.CASEWORKER, Role.SUPERVISOR], _("Not assigned"))
        self.fields["supervisor"].choices = _staff_choices(case.organisation_id, [Role.SUPERVISOR], _("Not set"))


class TransitionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    confidential = forms.BooleanField(
        label=_("Confidential: only the assigned caseworker and the supervisors can read it"), required=False)


class FollowUpForm(forms.Form):
    action = forms.CharField(label=_("What"), max_length=300)
    activity_type = forms.ChoiceField(
        label=_("Kind of activity"), required=False,
        help_text=_("Counted in the monthly report under its indicator once the follow-up is done."))
    assigned_to = forms.ChoiceField(label=_("Who"), required=False)
    due_on = forms.DateField(label=_("Due date"), widget=DateInput())

    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = _staff_choices(
            case.organisation_id, [Role.CASEWORKER, Role.SUPERVISOR, Role.FIELD_OFFICER], _("Me"))
        kinds = sorted((str(kind), kind.code) for kind in CaseActivityType.objects.filter(is_active=True))
        self.fields["activity_type"].choices = [("", _("Not counted in reports"))] + [
            (code, name) for name, code in kinds]


class CaseListFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any"))] + CaseStatus.choices)
    priority = forms.ChoiceField(label=_("Priority"), required=False,
                                 choices=[("", _("Any"))] + CasePriority.choices)
    overdue = forms.BooleanField(label=_("Only with overdue follow-ups"), required=False)
