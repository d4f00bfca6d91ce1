from django.db import migrations

from reporting.indicators import INDICATORS


def seed(apps, schema_editor):
    Indicator = apps.get_model("reporting", "Indicator")
    for code, sector, name, activity in INDICATORS:
        Indicator.objects.update_or_create(code=code, defaults={"sector": sector, "name": name,
                                                                "activity_name": activity})


def unseed(apps, schema_editor):
    apps.get_model("reporting", "Indicator").objects.filter(code__in=[row[0] for row in INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_indicators")]

    operations = [migrations.RunPython(seed, unseed)]
