"""Hubs: local food hubs, their managers, and the producers that supply them."""
