"""Event contracts and seedwork shared by every service. No business rules live here."""
