from django.db import migrations

from distributions import catalogue


def seed(apps, schema_editor):
    catalogue.install(apps.get_model("distributions", "Commodity"))


def unseed(apps, schema_editor):
    # Going back removes only entries no stock refers to; used ones stay with the data that names them.
    Commodity = apps.get_model("distributions", "Commodity")
    codes = [row[0] for row in catalogue.CATALOGUE]
    Commodity.objects.filter(code__in=codes, balances__isnull=True, movements__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("distributions", "0001_catalogue_rounds_receipts_stock")]

    operations = [migrations.RunPython(seed, unseed)]
