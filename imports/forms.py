from django import forms
from django.utils.translation import gettext_lazy as _

from casework.codes import Role
from casework.models import Site


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Completed template (XLSX or CSV)"))
    site = forms.ModelChoiceField(label=_("Site where the families were registered"), queryset=Site.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        sites = Site.objects.filter(is_active=True).order_by("name")
        if user.role not in {Role.SUPERVISOR, Role.ADMIN}:
            sites = sites.filter(pk__in=user.sites.all())
        self.fields["site"].queryset = sites
        if len(sites) == 1:
            self.fields["site"].initial = sites[0]
