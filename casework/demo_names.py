"""Realistic Venezuelan and Peruvian names for demo data and benchmarks: accents, compound given
names and two surnames, as families give them at the border."""
import random

FEMALE_NAMES = [
    "María", "María José", "María Fernanda", "María Alejandra", "Ana", "Ana Karina", "Yolimar", "Yusmary",
    "Génesis", "Daniela", "Valentina", "Andreína", "Luisana", "Rosa", "Carmen", "Yelitza", "Dayana",
    "Gabriela", "Mariángel", "Nathaly", "Sofía", "Isabella", "Camila", "Luz Marina", "Josefina", "Milagros",
    "Flor", "Lucía", "Ximena", "Yessenia", "Katherine", "Oriana", "Wendy", "Beatriz", "Elena",
]
MALE_NAMES = [
    "José", "José Gregorio", "Luis", "Luis Alberto", "Carlos", "Juan", "Juan Carlos", "Jesús", "Yonaiker",
    "Wilmer", "Frank", "Jhonny", "Anderson", "Alexander", "Miguel Ángel", "Rafael", "Pedro", "Ángel",
    "Víctor", "Andrés", "Darwin", "Kelvin", "Jorge", "Óscar", "Sebastián", "Samuel", "Diego", "Santiago",
    "Edgar", "Ramón", "Héctor", "Nelson", "Yorman", "Richard", "Eduardo",
]
SURNAMES = [
    "González", "Rodríguez", "Pérez", "Hernández", "García", "Martínez", "López", "Sánchez", "Ramírez",
    "Díaz", "Torres", "Rojas", "Morales", "Flores", "Mendoza", "Quispe", "Castillo", "Chávez", "Gutiérrez",
    "Vásquez", "Rivas", "Medina", "Romero", "Suárez", "Blanco", "Guerrero", "Briceño", "Contreras",
    "Gil", "Mora", "Peña", "Salazar", "Marcano", "Villarroel", "Araujo", "Colmenares", "Zambrano",
    "Mamani", "Huamán", "Ccori", "De la Cruz", "Del Valle", "Ñáñez", "Ibáñez", "Córdova", "Añez",
]
DESTINATIONS = ["Lima", "Trujillo", "Chiclayo", "Arequipa", "Tacna", "Piura", "Santiago de Chile",
                "Cusco", "Ica", "Huancayo", ""]


def family_name(rng: random.Random):
    return f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"


def given_name(rng: random.Random, sex):
    return rng.choice(FEMALE_NAMES if sex == "female" else MALE_NAMES)


def household_size(rng: random.Random):
    """Household sizes 1-9, weighted like registrations at the border (many of 2-5)."""
    return rng.choices(range(1, 10), weights=[12, 18, 20, 18, 13, 8, 5, 3, 3])[0]


def venezuelan_phone(rng: random.Random):
    return f"+58{rng.choice(['412', '414', '416', '424', '426'])}{rng.randrange(1000000, 9999999)}"


def peruvian_phone(rng: random.Random):
    return f"+519{rng.randrange(10000000, 99999999)}"
