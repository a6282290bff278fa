"""Fork of Oscar's partner app (label `partner`): stock records are the producer's concern.

Only the pricing strategy changes (`strategy.py`): the producer price plus VAT by default,
and a registry through which a higher package (orders) prices shopping in an order cycle.
"""
