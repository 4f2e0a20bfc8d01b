"""Register a partner system: its account, its profile and its OAuth2 client.

    manage.py create_partner_client --name "UNHCR Rwanda" --scopes "cases:read cases:write"
    manage.py create_partner_client --name "US Embassy Kigali" --scopes "cases:read" --country USA
    manage.py create_partner_client --name "UNHCR Rwanda system" --scopes "cases:read cases:write" \
        --organisation "UNHCR Rwanda"

`--organisation` names a partner organisation recorded in the admin: its data scope (kind and
countries) then decides what the client sees, in place of `--country`.

Prints the client id and secret once: the secret is stored hashed and cannot be shown again
(to replace it, delete the application in the admin and run this again).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify
from oauth2_provider.generators import generate_client_id, generate_client_secret
from oauth2_provider.models import get_application_model

from cases.models import Country, PartnerOrganisation, PartnerProfile
from core.api.oauth import scope_group_name
from core.roles import Role


class Command(BaseCommand):
    help = "Create a partner system's account and OAuth2 client (client credentials)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Organisation, e.g. 'UNHCR Rwanda'.")
        parser.add_argument(
            "--scopes",
            required=True,
            help="Space-separated scopes, e.g. 'cases:read cases:write'.",
        )
        parser.add_argument(
            "--country",
            help="ISO code of the one destination country this partner may see (e.g. USA).",
        )
        parser.add_argument("--username", help="Account name (default: partner-<name>).")
        parser.add_argument(
            "--organisation",
            help="Name of the partner organisation (recorded in the admin) the client works for.",
        )

    def handle(
        self, *args, name, scopes, country=None, username=None, organisation=None, **options
    ):
        name = name.strip()
        if not name:
            raise CommandError("--name may not be empty.")
        known = settings.OAUTH2_PROVIDER["SCOPES"]
        wanted = scopes.replace(",", " ").split()
        unknown = [s for s in wanted if s not in known]
        if not wanted or unknown:
            raise CommandError(
                f"Unknown scope(s): {' '.join(unknown) or '(none given)'}. "
                f"Known: {' '.join(known)}."
            )
        destination = None
        if country:
            destination = Country.objects.filter(
                iso_code=country.upper(), is_destination=True
            ).first()
            if destination is None:
                raise CommandError(f"No destination country with ISO code {country!r}.")
        partner_organisation = None
        if organisation:
            partner_organisation = PartnerOrganisation.objects.filter(name=organisation).first()
            if partner_organisation is None:
                raise CommandError(f"No partner organisation named {organisation!r}.")
        username = username or f"partner-{slugify(name)}"[:150]
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"An account {username!r} exists already.")

        secret = generate_client_secret()
        Application = get_application_model()
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=None)
            user.groups.add(Group.objects.get_or_create(name=Role.PARTNER_SYSTEM)[0])
            for scope in wanted:
                user.groups.add(Group.objects.get_or_create(name=scope_group_name(scope))[0])
            PartnerProfile.objects.create(
                user=user,
                organisation=name,
                country=destination,
                partner_organisation=partner_organisation,
            )
            application = Application.objects.create(
                name=name,
                user=user,
                client_id=generate_client_id(),
                client_secret=secret,  # hashed when saved
                client_type=Application.CLIENT_CONFIDENTIAL,
                authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            )

        self.stdout.write(f"Partner system: {name} (account {username})")
        if destination is not None:
            self.stdout.write(f"Limited to cases going to: {destination.name}")
        self.stdout.write(f"Scopes: {' '.join(wanted)}")
        self.stdout.write(f"client_id: {application.client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write("The secret is shown only now; store it in the partner's vault.")
