from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionsConfig(AppConfig):
    name = "distributions"
    verbose_name = _("Distributions")

    def ready(self):
        from distributions import timeline  # noqa: F401  (registers the receipts of a case's timeline)
