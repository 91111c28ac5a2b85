"""`manage.py mint_token USERNAME --scope "create update" [--client-id URL]`: prints only the token."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.tokens import mint_token


class Command(BaseCommand):
    help = "Create an access token for a user and print it (the same tokens as Settings → App tokens)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--scope", required=True, help='Space-separated, e.g. "create update delete media"'
        )
        parser.add_argument(
            "--client-id", default="", help="The client's URL, shown in Settings → App tokens"
        )

    def handle(self, *args, username, scope, client_id, **options):
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not scope.split():
            raise CommandError("give at least one scope")
        raw, _ = mint_token(
            user=user, scope=scope, client_id=client_id, client_name=client_id or "mint_token"
        )
        self.stdout.write(raw)
