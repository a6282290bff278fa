"""Import products from an Open Food Network product list (CSV or XLSX)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from producers.import_services import import_run_now
from producers.importing import MAX_IMPORT_BYTES
from producers.models import Producer
from teams.selectors import user_is_platform_admin


class Command(BaseCommand):
    help = (
        "Validate a product file, then write it in one transaction. Exits non-zero, writing "
        "nothing, when any row is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--producer", help="Slug of the producer the file is for.")
        parser.add_argument("--as", dest="as_email", help="Import with this user's rights.")
        parser.add_argument("--dry-run", action="store_true", help="Validate only.")

    def handle(self, *args, file, producer=None, as_email=None, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise CommandError(f"{path} is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
        user = self._user(as_email)
        forced = None
        if producer:
            forced = Producer.objects.filter(slug=producer).first()
            if forced is None:
                raise CommandError(f"Unknown producer: {producer}")
        check, counts = import_run_now(
            user=user, data=path.read_bytes(), filename=path.name, producer=forced,
            progress=self._progress, dry_run=dry_run,
        )
        if check.file_error:
            raise CommandError(check.file_error)
        for error in check.result.errors:
            self.stderr.write(f"row {error.row}, {error.column}: {error.message}")
        summary = ", ".join(f"{k} {v}" for k, v in check.counts.items())
        if not check.is_valid:
            raise CommandError(f"{len(check.result.errors)} errors; nothing written ({summary}).")
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {summary}.")
            return
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Imported: {summary}."))

    def _user(self, email):
        users = get_user_model().objects
        if email:
            user = users.filter(email__iexact=email, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user with e-mail {email}.")
            return user
        admin = users.filter(is_superuser=True, is_active=True).order_by("id").first()
        if admin is None or not user_is_platform_admin(admin):
            raise CommandError("No platform admin exists: pass --as EMAIL.")
        return admin

    def _progress(self, done: int, total: int) -> None:
        width = 40
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total}", ending="")
        self.stdout.flush()
