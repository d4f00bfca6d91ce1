from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.codes import Sector


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
