"""Printable documents of the submission service (the initiative dossier)."""
