from django.db import migrations

from referrals.service_types import SERVICE_TYPES, install


def seed(apps, schema_editor):
    install(apps.get_model("referrals", "ServiceType"), apps.get_model("reporting", "Indicator"))


def unseed(apps, schema_editor):
    apps.get_model("referrals", "ServiceType").objects.filter(code__in=[row[0] for row in SERVICE_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_referrals_and_service_directory"), ("reporting", "0002_seed_rmrp_indicators")]

    operations = [migrations.RunPython(seed, unseed)]
