"""The food taxonomy every producer's products are filed under (English, French, default VAT).

Seeded by migration `producers.0004_food_taxonomy`; keep both in step when adding a category.
"""

from decimal import Decimal

# (English name, French name, default VAT rate in France)
FOOD_TAXONOMY = [
    ("Vegetables", "Légumes", Decimal("5.5")),
    ("Fruit", "Fruits", Decimal("5.5")),
    ("Dairy & eggs", "Crèmerie et œufs", Decimal("5.5")),
    ("Meat", "Viande", Decimal("5.5")),
    ("Fish & seafood", "Poisson et fruits de mer", Decimal("5.5")),
    ("Bakery", "Boulangerie", Decimal("5.5")),
    ("Drinks", "Boissons", Decimal("5.5")),
    ("Wine, beer & cider", "Vins, bières et cidres", Decimal("20")),
    ("Pantry", "Épicerie", Decimal("5.5")),
    ("Prepared meals", "Plats préparés", Decimal("10")),
    ("Plants & flowers", "Plantes et fleurs", Decimal("10")),
    ("Household", "Maison", Decimal("20")),
]

# Named VAT rates that import files and forms may use instead of a number.
TAX_CATEGORIES = [
    ("Super-reduced", Decimal("2.1")),
    ("Reduced (food)", Decimal("5.5")),
    ("Intermediate", Decimal("10")),
    ("Standard", Decimal("20")),
]
