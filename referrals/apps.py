from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self):
        from referrals import timeline  # noqa: F401  (registers the referrals' entries of a case's timeline)
