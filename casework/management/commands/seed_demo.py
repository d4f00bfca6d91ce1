import os
import random
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from casework import demo_names, services
from casework.codes import DocumentType, OrganisationKind, PopulationType, Relationship, Role, SiteKind
from casework.models import Household, Location, Organisation, Site, User

DEMO_PASSWORD = "caminos-demo-2026"
DEMO_NAMESPACE = uuid.UUID("6f1c2a6e-8d2b-4c59-9a49-3c1d1c0a2f10")

ORGANISATIONS = [
    ("OIM", "OIM Perú", OrganisationKind.UN_AGENCY),
    ("CARITAS", "Cáritas Tumbes", OrganisationKind.NATIONAL_NGO),
    ("HIAS", "HIAS Perú", OrganisationKind.INTERNATIONAL_NGO),
]
SITES = [
    ("TUM", "CEBAF Tumbes", SiteKind.BORDER_POINT, "PE240302"),
    ("TAC", "Complejo Fronterizo Santa Rosa, Tacna", SiteKind.BORDER_POINT, "PE230101"),
    ("LIM", "Centro de Orientación Lima", SiteKind.OUTREACH_CENTRE, "PE150101"),
]
# username, role, organisation, sites, first name, last name
USERS = [
    ("oficial.tumbes", Role.FIELD_OFFICER, "OIM", ["TUM"], "Rosa", "Quispe"),
    ("oficial.tacna", Role.FIELD_OFFICER, "OIM", ["TAC"], "Jorge", "Mamani"),
    ("gestora", Role.CASEWORKER, "OIM", ["TUM", "LIM"], "Lucía", "Torres"),
    ("supervisora", Role.SUPERVISOR, "OIM", [], "Carmen", "Rojas"),
    ("monitoreo", Role.ME_OFFICER, "OIM", [], "Andrés", "Salazar"),
    ("admin", Role.ADMIN, "OIM", [], "Ana", "Vega"),
    ("oficial.caritas", Role.FIELD_OFFICER, "CARITAS", ["TUM"], "Pedro", "Chávez"),
    ("socio.hias", Role.PARTNER_AGENCY, "HIAS", [], "Elena", "Medina"),
]
HOUSEHOLDS_PER_OFFICER = 100
DEMO_RECEIPTS = 60
DEMO_CASES = 8
DEMO_STOCK = {"food_basket": 400, "hygiene_kit": 400, "baby_kit": 200, "drinking_water": 20000}
DEMO_ROUND_RULES = [
    {"commodity": "food_basket", "per": "household", "quantity": 1, "household_size_max": 3},
    {"commodity": "food_basket", "per": "household", "quantity": 2, "household_size_min": 4},
    {"commodity": "hygiene_kit", "per": "member", "quantity": 1, "sex": "female", "age_min": 15, "age_max": 49},
    {"commodity": "baby_kit", "per": "member", "quantity": 1, "age_max": 1},
    {"commodity": "drinking_water", "per": "member", "quantity": 20},
]


class Command(BaseCommand):
    help = "Load demo organisations, sites, one user per role and a few hundred households. Idempotent."

    def handle(self, *args, **options):
        password = os.environ.get("CAMINOS_PASSWORD", DEMO_PASSWORD)
        with transaction.atomic():
            organisations = {
                code: Organisation.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})[0]
                for code, name, kind in ORGANISATIONS
            }
            sites = {
                code: Site.objects.update_or_create(code=code, defaults={
                    "name": name, "kind": kind, "location": Location.objects.get(pcode=pcode)})[0]
                for code, name, kind, pcode in SITES
            }
            users = {}
            for username, role, org, site_codes, first, last in USERS:
                user, created = User.objects.update_or_create(username=username, defaults={
                    "role": role, "organisation": organisations[org], "first_name": first, "last_name": last,
                    "is_staff": role == Role.ADMIN,
                })
                if created:
                    user.set_password(password)
                    user.save(update_fields=["password"])
                user.sites.set([sites[code] for code in site_codes])
                users[username] = user
        created = 0
        for ordinal, username in enumerate(("oficial.tumbes", "oficial.tacna", "oficial.caritas"), start=1):
            officer = users[username]
            created += self._households(officer, officer.sites.get(), ordinal)
        self._assistance(users, sites)
        self.stdout.write(f"Demo data ready ({created} new households). Users: "
                          f"{', '.join(users)}; password: {'$CAMINOS_PASSWORD' if 'CAMINOS_PASSWORD' in os.environ else DEMO_PASSWORD}")

    def _assistance(self, users, sites):
        """A distribution round at Tumbes with stock and receipts, a few cases, and this month's report:
        enough for every page of the demo to show something. Deterministic ids keep it idempotent."""
        from casework import case_services
        from distributions import services as distributions
        from reporting import rollup

        supervisor, officer, caseworker = users["supervisora"], users["oficial.tumbes"], users["gestora"]
        tumbes = sites["TUM"]
        today = timezone.localdate()
        round_, _created = distributions.create_round(
            actor=supervisor, id=uuid.uuid5(DEMO_NAMESPACE, "round-tumbes"), site=tumbes,
            name="Ronda demo CEBAF Tumbes", starts_on=today.replace(day=1), ends_on=today + timedelta(days=30),
            status="open", rules=DEMO_ROUND_RULES,
        )
        for code, quantity in DEMO_STOCK.items():
            distributions.record_stock_movement(actor=supervisor, id=uuid.uuid5(DEMO_NAMESPACE, f"stock-{code}"),
                                                kind="received", site=tumbes, commodity=code, quantity=quantity)
        served = Household.objects.filter(site=tumbes, organisation=officer.organisation).order_by(
            "registration_number")[:DEMO_RECEIPTS]
        for household in served:
            distributions.record_receipt(actor=officer, id=uuid.uuid5(DEMO_NAMESPACE, f"receipt-{household.pk}"),
                                         household=household, round=round_, verification_method="card_scanned")
        with_needs = Household.objects.filter(site=tumbes, organisation=officer.organisation,
                                              members__specific_needs__len__gt=0).distinct()
        for household in with_needs.order_by("registration_number")[:DEMO_CASES]:
            person = household.members.exclude(specific_needs=[]).first()
            case, _created = case_services.open_case(
                actor=caseworker, id=uuid.uuid5(DEMO_NAMESPACE, f"case-{household.pk}"), household=household,
                individual=person)
            follow_up, _created = case_services.plan_follow_up(
                actor=caseworker, case=case, id=uuid.uuid5(DEMO_NAMESPACE, f"follow-up-{household.pk}"),
                action="Orientación sobre el trámite del carné de extranjería", due_on=today,
                activity_type="legal_orientation")
            case_services.complete_follow_up(actor=caseworker, follow_up=follow_up)
        rollup.compute_month(today.replace(day=1))

    def _households(self, officer, site, ordinal):
        rng = random.Random(f"caminos-demo-{officer.username}")
        ids = [uuid.uuid5(DEMO_NAMESPACE, f"{officer.username}-{n}") for n in range(HOUSEHOLDS_PER_OFFICER)]
        existing = set(Household.objects.filter(pk__in=ids).values_list("pk", flat=True))
        created = 0
        now = timezone.now()
        for number, household_id in enumerate(ids):
            members = self._family(rng, ordinal, number)
            registered_at = now - timedelta(days=rng.randrange(0, 300), minutes=rng.randrange(0, 600))
            if household_id in existing:
                continue
            services.register_household(
                actor=officer, id=household_id, site=site, members=members,
                population_type=rng.choice(PopulationType.values[:3]),
                phone=demo_names.venezuelan_phone(rng) if rng.random() < 0.7 else "",
                intended_destination=rng.choice(demo_names.DESTINATIONS),
                consent_given=True, registered_at=registered_at,
            )
            created += 1
        return created

    def _family(self, rng, ordinal, number):
        size = demo_names.household_size(rng)
        surname = demo_names.family_name(rng)
        today = timezone.localdate()
        members = []
        for index in range(size):
            sex = rng.choice(["female", "male"])
            if index == 0:
                relationship, age = Relationship.HEAD, rng.randrange(18, 70)
            elif index == 1 and size > 2:
                relationship, age = Relationship.SPOUSE, rng.randrange(18, 65)
            else:
                relationship, age = Relationship.CHILD, rng.randrange(0, 17)
            has_document = age >= 9 or rng.random() < 0.3
            members.append({
                "relationship_to_head": relationship,
                "given_name": demo_names.given_name(rng, sex),
                "family_name": surname if relationship != Relationship.SPOUSE else demo_names.family_name(rng),
                "sex": sex,
                "date_of_birth": today - timedelta(days=age * 365 + rng.randrange(0, 364)),
                "nationality": "VEN",
                "document_type": DocumentType.CEDULA_VE if has_document else DocumentType.NONE,
                # The ordinal keeps demo documents of different officers apart.
                "document_number": f"{ordinal}{number:04d}{index:02d}{rng.randrange(10, 99)}"
                if has_document else "",
                "specific_needs": rng.choice([[], [], [], ["PG-LC"], ["SM-CI"], ["DS-PM"], ["SP-PT"]])
                if index == 0 else [],
            })
        return members
