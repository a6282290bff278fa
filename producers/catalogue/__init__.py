"""Fork of Oscar's catalogue: adds the unit and VAT rate every food product needs."""
