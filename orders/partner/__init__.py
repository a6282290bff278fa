"""Fork of Oscar's partner app: only its pricing strategy changes (selling logic is orders')."""
