import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from casework import accounts
from casework.codes import Role
from casework.errors import InvalidInput
from casework.models import Organisation, Site, User


class Command(BaseCommand):
    help = (
        "Create or update a user with a role, an organisation and the sites they work at. "
        "The password comes from the CAMINOS_PASSWORD environment variable, or a prompt. "
        f"Roles: {', '.join(Role.values)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--organisation", required=True, help="Organisation code")
        parser.add_argument("--sites", default="", help="Comma-separated site codes, e.g. TUM,TAC")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, username, role, organisation, sites, email, first_name, last_name, **options):
        org = Organisation.objects.filter(code=organisation.strip().upper()).first()
        if org is None:
            raise CommandError(f"No organisation with code {organisation!r}. Create it with add_organisation first.")
        site_codes = [code.strip().upper() for code in sites.split(",") if code.strip()]
        found = list(Site.objects.filter(code__in=site_codes))
        missing = sorted(set(site_codes) - {site.code for site in found})
        if missing:
            raise CommandError(f"Unknown site code(s): {', '.join(missing)}.")
        user = User.objects.filter(username=username).first()
        password = os.environ.get("CAMINOS_PASSWORD")
        if password is None and user is None:
            password = self._prompt_password()
        fields = {"role": role, "organisation": org}
        fields |= {name: value for name, value in
                   (("email", email), ("first_name", first_name), ("last_name", last_name)) if value}
        if user is None:
            fields["username"] = username
        try:
            accounts.save_user(actor=None, user=user, sites=found, password=password, **fields)
        except InvalidInput as invalid:
            raise CommandError(" ".join(" ".join(messages) for messages in invalid.errors.values())) from invalid
        self.stdout.write(f"{'Updated' if user else 'Created'} user {username} ({role}, {org.code}, "
                          f"sites: {', '.join(site.code for site in found) or 'none'})")

    def _prompt_password(self):
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return password
