from django.db import migrations

from referrals.service_types import SERVICE_TYPES


def seed(apps, schema_editor):
    ServiceType = apps.get_model("referrals", "ServiceType")
    Indicator = apps.get_model("reporting", "Indicator")
    for code, name, sector, indicator in SERVICE_TYPES:
        ServiceType.objects.update_or_create(code=code, defaults={
            "name": name, "sector": sector, "indicator": Indicator.objects.filter(code=indicator).first()})


def unseed(apps, schema_editor):
    apps.get_model("referrals", "ServiceType").objects.filter(code__in=[row[0] for row in SERVICE_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_referrals_and_service_directory"), ("reporting", "0002_seed_rmrp_indicators")]

    operations = [migrations.RunPython(seed, unseed)]
