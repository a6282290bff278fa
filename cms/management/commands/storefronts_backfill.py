"""Give every hub and producer its public page (migrate runs this too; idempotent)."""

from django.core.management.base import BaseCommand

from cms.services import storefronts_backfill


class Command(BaseCommand):
    help = "Create the missing storefront pages of hubs and producers, and their editors groups."

    def handle(self, *args, **options):
        made = storefronts_backfill()
        self.stdout.write(f"{made['hubs']} hub pages and {made['producers']} producer pages made.")
        for clash in made["clashes"]:
            self.stderr.write(f"Not made, its address is taken by another page: {clash}")
