"""Rewrite every stored silo credential under the newest MICROHOST_ENCRYPTION_KEY (R35).

Rotation: put the new key first in MICROHOST_ENCRYPTION_KEY (old ones after it), run this, then
drop the old keys."""

from django.core.management.base import BaseCommand
from django.db import transaction

from syndication import crypto
from syndication.models import Connection, MastodonApp


class Command(BaseCommand):
    help = "Re-encrypt silo credentials with the first key in MICROHOST_ENCRYPTION_KEY."

    def handle(self, *args, **options) -> None:
        count = 0
        for model in (Connection, MastodonApp):
            with transaction.atomic():
                for row in model.objects.select_for_update().exclude(secret=""):
                    model.objects.filter(pk=row.pk).update(secret=crypto.rotate(row.secret))
                    count += 1
        self.stdout.write(f"Re-encrypted {count} credential(s).")
