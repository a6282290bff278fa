"""Fork of Oscar's partner app: only its pricing strategy changes (selling logic lives in orders)."""
