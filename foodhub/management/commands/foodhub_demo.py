"""Load (or rebuild) the demo data: each package seeds its own part, in dependency order."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# Dependency order (lowest first); each module has seed() and reset(), and may have clear():
# what must go before the lower packages re-seed (orders hold their cycles and stock).
DEMO_MODULES = ["producers.demo", "hubs.demo", "orders.demo", "cms.demo"]

ROSTER = [
    ("admin@example.org", "platform admin"),
    ("producer@example.org", "producer (Ferme des Trois Chênes, supplies both hubs)"),
    ("hub@example.org", "hub manager (Le Panier de Belleville, French hub)"),
    ("hub-en@example.org", "hub manager (Riverside Food Hub, English-speaking hub)"),
    ("shopper@example.org", "shopper"),
]


class Command(BaseCommand):
    help = "Load the demo data (idempotent). --reset removes it first and rebuilds it."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Delete demo data first.")
        parser.add_argument("--quiet-roster", action="store_true", help="Do not print logins.")

    def handle(self, *args, reset=False, quiet_roster=False, **options):
        modules = [import_module(name) for name in DEMO_MODULES]
        with transaction.atomic():
            if reset:
                for module in reversed(modules):
                    module.reset()
                self.stdout.write("Demo data removed.")
            else:
                for module in reversed(modules):
                    if hasattr(module, "clear"):
                        module.clear()
            for module in modules:
                module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        if not quiet_roster:
            from producers.demo import DEMO_PASSWORD

            self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
            for email, role in ROSTER:
                self.stdout.write(f"  {email:<24} {role}")
