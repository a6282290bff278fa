"""Where a French user goes, the demo reads in French: labels, statuses, categories, units,
and the French hub's own fees, payment methods, opening hours and notes."""

import html
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from oscar.core.loading import get_model

from hubs.models import OrderCycle

pytestmark = pytest.mark.django_db
FRENCH = "fr-FR,fr;q=0.9,en;q=0.5"


@pytest.fixture
def demo():
    call_command("foodhub_demo", quiet_roster=True, stdout=StringIO())


def main_text(client, email, url):
    """The page's <main>, as text a reader sees (entities decoded), asked for in French."""
    client.force_login(get_user_model().objects.get(email=email))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=FRENCH)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert '<html lang="fr"' in page
    return html.unescape(re.search(r"(?s)<main.*</main>", page).group(0))


def assert_french(text, present, absent):
    for phrase in present:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase


def test_french_hub_manager_pages_are_in_french(client, demo):
    hub = "/hub/panier-de-belleville"
    assert_french(
        main_text(client, "hub@example.org", f"{hub}/settings/"),
        ["Jeudi 17 h - 20 h", "Paiement au retrait", "Virement bancaire", "Zones de livraison"],
        ["Thursday", "Pay at pickup", "Bank transfer"],
    )
    cycles = main_text(client, "hub@example.org", f"{hub}/")
    assert_french(cycles, ["Statut", "Ouvert", "À venir"], ["État du service", "Status"])
    assert re.search(r"\d\d/\d\d/20\d\d 09:00", cycles)  # French dates, the hub's clock
    cycle = OrderCycle.objects.get(name="Marché de la semaine")
    assert_french(
        main_text(client, "hub@example.org", f"{hub}/cycles/{cycle.pk}/"),
        ["Frais de fonctionnement du hub", "Caisse isotherme (livraisons) ·", "Zone de livraison",
         "Merci d'indiquer le numéro de commande", "Sonnez à la porte de derrière."],
        ["Hub running costs", "Delivery zone", "label each crate", "back door"],
    )
    assert_french(
        main_text(client, "hub@example.org", f"{hub}/producers/"),
        ["Statut", "Actif"], ["État du service", "Active"],
    )


def test_french_producer_pages_are_in_french(client, demo):
    farm = "/producer/ferme-des-trois-chenes"
    assert_french(
        main_text(client, "producer@example.org", f"{farm}/"),
        ["Actif", "Légumes", "Crèmerie et œufs", "11 variantes", "€/pièce", "€/kg"],
        ["Active", "Vegetables", "Dairy & eggs", "/item", "11 produits"],
    )
    assert_french(
        main_text(client, "producer@example.org", f"{farm}/products/new/"),
        ["Boulangerie", "Taux de TVA (%)"], ["Bakery", "taux de TVA"],
    )
    assert_french(
        main_text(client, "producer@example.org", f"{farm}/hubs/"),
        ["Statut", "Actif"], ["État du service", "Active"],
    )
    assert_french(
        main_text(client, "producer@example.org", f"{farm}/history/"),
        # The newest rows are the demo orders' (processed cycles consumed stock).
        ["Modification", "Modifié", "Commande 1"], ["Changer", "Order 1"],
    )


def test_french_shoppers_see_the_taxonomy_in_french(client, demo):
    vegetables = get_model("catalogue", "Category").objects.get(name="Vegetables")
    page = client.get(vegetables.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=FRENCH)
    text = html.unescape(page.content.decode())
    assert ">Légumes</a>" in text and ">Crèmerie et œufs</a>" in text  # the navigation
    assert "<h1>Légumes</h1>" in text and 'aria-current="page">Légumes</li>' in text
    assert ">Vegetables</a>" not in text
