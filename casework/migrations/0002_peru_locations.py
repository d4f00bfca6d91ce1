from django.db import migrations

from casework.data import peru_locations


def load_locations(apps, schema_editor):
    Location = apps.get_model("casework", "Location")
    country, _ = Location.objects.update_or_create(
        pcode=peru_locations.COUNTRY[0], defaults={"name": peru_locations.COUNTRY[1], "admin_level": 0}
    )
    parents = {country.pcode: country}
    for pcode, name in peru_locations.DEPARTMENTS:
        parents[pcode], _ = Location.objects.update_or_create(
            pcode=pcode, defaults={"name": name, "admin_level": 1, "parent": country}
        )
    for level, rows in ((2, peru_locations.PROVINCES), (3, peru_locations.DISTRICTS)):
        for pcode, name, parent in rows:
            parents[pcode], _ = Location.objects.update_or_create(
                pcode=pcode, defaults={"name": name, "admin_level": level, "parent": parents[parent]}
            )


def unload_locations(apps, schema_editor):
    Location = apps.get_model("casework", "Location")
    for level in (3, 2, 1, 0):
        Location.objects.filter(pcode__startswith="PE", admin_level=level, sites__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_registry")]

    operations = [migrations.RunPython(load_locations, unload_locations)]
