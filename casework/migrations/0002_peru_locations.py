from django.db import migrations

from casework.data import peru_locations


def load_locations(apps, schema_editor):
    peru_locations.install(apps.get_model("casework", "Location"))


def unload_locations(apps, schema_editor):
    Location = apps.get_model("casework", "Location")
    for level in (3, 2, 1, 0):
        Location.objects.filter(pcode__startswith="PE", admin_level=level, sites__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_registry")]

    operations = [migrations.RunPython(load_locations, unload_locations)]
