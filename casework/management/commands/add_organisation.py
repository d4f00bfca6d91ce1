from django.core.management.base import BaseCommand, CommandError

from casework.codes import OrganisationKind
from casework.models import Organisation


class Command(BaseCommand):
    help = "Create or update an organisation."

    def add_arguments(self, parser):
        parser.add_argument("code", help="Short code, e.g. IOM")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", choices=OrganisationKind.values, default=OrganisationKind.NATIONAL_NGO)

    def handle(self, *args, code, name, kind, **options):
        code = code.strip().upper()
        if not code:
            raise CommandError("The organisation code cannot be empty.")
        organisation, created = Organisation.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})
        self.stdout.write(f"{'Created' if created else 'Updated'} organisation {organisation.code}: {organisation.name}")
