from django.db import migrations

# code, English name, Spanish name, category, unit, sector, indicator, tracks stock
CATALOGUE = [
    ("food_basket", "Food basket", "Canasta de alimentos", "food", "kit", "food_security",
     "FS-1 People receiving in-kind food assistance", True),
    ("hygiene_kit", "Hygiene kit", "Kit de higiene", "hygiene", "kit", "wash",
     "WASH-1 People receiving hygiene items", True),
    ("baby_kit", "Baby kit", "Kit para bebés", "baby", "kit", "wash",
     "WASH-2 People receiving baby hygiene items", True),
    ("nfi_kit", "NFI kit", "Kit de artículos no alimentarios", "nfi", "kit", "shelter",
     "SH-2 People receiving non-food items", True),
    ("blanket", "Blanket", "Frazada", "nfi", "piece", "shelter",
     "SH-2 People receiving non-food items", True),
    ("drinking_water", "Drinking water", "Agua para consumo", "wash", "litre", "wash",
     "WASH-3 People receiving safe drinking water", True),
    ("shelter_kit", "Shelter kit", "Kit de alojamiento", "shelter", "kit", "shelter",
     "SH-1 People receiving shelter kits", True),
    ("cash_cbi", "Cash (CBI)", "Efectivo (CBI)", "cash", "PEN", "multipurpose_cash",
     "MPC-1 People receiving multipurpose cash", False),
]


def seed(apps, schema_editor):
    Commodity = apps.get_model("distributions", "Commodity")
    for code, name, name_es, category, unit, sector, indicator, tracks_stock in CATALOGUE:
        Commodity.objects.update_or_create(code=code, defaults={
            "name": name, "name_es": name_es, "category": category, "unit": unit, "sector": sector,
            "indicator": indicator, "tracks_stock": tracks_stock,
        })


def unseed(apps, schema_editor):
    # Going back removes only entries nothing refers to; used ones stay with the data that names them.
    Commodity = apps.get_model("distributions", "Commodity")
    for code, *_rest in CATALOGUE:
        Commodity.objects.filter(code=code, balances__isnull=True, movements__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("distributions", "0001_catalogue_rounds_receipts_stock")]

    operations = [migrations.RunPython(seed, unseed)]
