"""Peru's administrative areas with OCHA P-codes (COD-AB): every department, and the provinces and
districts where the response works (the northern and southern borders, Lima and Callao)."""

COUNTRY = ("PE", "Perú")

DEPARTMENTS = [
    ("PE01", "Amazonas"), ("PE02", "Áncash"), ("PE03", "Apurímac"), ("PE04", "Arequipa"),
    ("PE05", "Ayacucho"), ("PE06", "Cajamarca"), ("PE07", "Callao"), ("PE08", "Cusco"),
    ("PE09", "Huancavelica"), ("PE10", "Huánuco"), ("PE11", "Ica"), ("PE12", "Junín"),
    ("PE13", "La Libertad"), ("PE14", "Lambayeque"), ("PE15", "Lima"), ("PE16", "Loreto"),
    ("PE17", "Madre de Dios"), ("PE18", "Moquegua"), ("PE19", "Pasco"), ("PE20", "Piura"),
    ("PE21", "Puno"), ("PE22", "San Martín"), ("PE23", "Tacna"), ("PE24", "Tumbes"),
    ("PE25", "Ucayali"),
]

PROVINCES = [
    ("PE0401", "Arequipa", "PE04"),
    ("PE0701", "Callao", "PE07"),
    ("PE1301", "Trujillo", "PE13"),
    ("PE1401", "Chiclayo", "PE14"),
    ("PE1501", "Lima", "PE15"),
    ("PE2001", "Piura", "PE20"),
    ("PE2101", "Puno", "PE21"),
    ("PE2105", "Chucuito", "PE21"),
    ("PE2301", "Tacna", "PE23"),
    ("PE2302", "Candarave", "PE23"),
    ("PE2303", "Jorge Basadre", "PE23"),
    ("PE2304", "Tarata", "PE23"),
    ("PE2401", "Tumbes", "PE24"),
    ("PE2402", "Contralmirante Villar", "PE24"),
    ("PE2403", "Zarumilla", "PE24"),
]

DISTRICTS = [
    ("PE150101", "Lima", "PE1501"),
    ("PE150132", "San Juan de Lurigancho", "PE1501"),
    ("PE230101", "Tacna", "PE2301"),
    ("PE240101", "Tumbes", "PE2401"),
    ("PE240301", "Zarumilla", "PE2403"),
    ("PE240302", "Aguas Verdes", "PE2403"),
]


def install(Location):
    """Create or update these locations with the given model class (a migration's or the real one)."""
    country, _created = Location.objects.update_or_create(
        pcode=COUNTRY[0], defaults={"name": COUNTRY[1], "admin_level": 0}
    )
    parents = {country.pcode: country}
    for pcode, name in DEPARTMENTS:
        parents[pcode], _created = Location.objects.update_or_create(
            pcode=pcode, defaults={"name": name, "admin_level": 1, "parent": country}
        )
    for level, rows in ((2, PROVINCES), (3, DISTRICTS)):
        for pcode, name, parent in rows:
            parents[pcode], _created = Location.objects.update_or_create(
                pcode=pcode, defaults={"name": name, "admin_level": level, "parent": parents[parent]}
            )
