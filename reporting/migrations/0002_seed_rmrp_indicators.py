from django.db import migrations

from reporting.indicators import INDICATORS, install


def seed(apps, schema_editor):
    install(apps.get_model("reporting", "Indicator"))


def unseed(apps, schema_editor):
    apps.get_model("reporting", "Indicator").objects.filter(code__in=[row[0] for row in INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_indicators")]

    operations = [migrations.RunPython(seed, unseed)]
