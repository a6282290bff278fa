"""Orders: selling logic (Oscar pricing strategy), and later close processing and invoices."""
