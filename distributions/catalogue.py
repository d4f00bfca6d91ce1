"""The commodity catalogue seeded by migration: what is distributed, its unit, and the RMRP sector and
indicator (reporting's codes) it reports under. Admins edit it afterwards."""

# code, English name, Spanish name, category, unit, sector, indicator code, tracks stock
CATALOGUE = [
    ("food_basket", "Food basket", "Canasta de alimentos", "food", "kit", "food_security", "FS-01", True),
    ("hygiene_kit", "Hygiene kit", "Kit de higiene", "hygiene", "kit", "wash", "WASH-01", True),
    ("baby_kit", "Baby kit", "Kit para bebés", "baby", "kit", "wash", "WASH-01", True),
    ("nfi_kit", "NFI kit", "Kit de artículos no alimentarios", "nfi", "kit", "shelter", "SH-01", True),
    ("blanket", "Blanket", "Frazada", "nfi", "piece", "shelter", "SH-01", True),
    ("drinking_water", "Drinking water", "Agua para consumo", "wash", "litre", "wash", "WASH-02", True),
    ("shelter_kit", "Shelter kit", "Kit de alojamiento", "shelter", "kit", "shelter", "SH-02", True),
    # Cash keeps no warehouse balance.
    ("cash_cbi", "Cash (CBI)", "Efectivo (CBI)", "cash", "PEN", "multipurpose_cash", "MPC-01", False),
]


def install(Commodity):
    """Create or update the seeded commodities with the given model class (a migration's or the real one)."""
    for code, name, name_es, category, unit, sector, indicator, tracks_stock in CATALOGUE:
        Commodity.objects.update_or_create(code=code, defaults={
            "name": name, "name_es": name_es, "category": category, "unit": unit, "sector": sector,
            "indicator": indicator, "tracks_stock": tracks_stock,
        })
