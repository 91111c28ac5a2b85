"""`manage.py createuser USERNAME --email EMAIL --password PASSWORD`: a user and their blog."""

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import create_account


class Command(BaseCommand):
    help = "Create a user and their blog."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args, username, email, password, **options):
        try:
            user = create_account(username=username, email=email, password=password)
        except (ValidationError, ValueError) as error:
            raise CommandError("; ".join(getattr(error, "messages", [str(error)]))) from error
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        self.stdout.write(f"created {user.username}: {user.blog.base_url}/")
