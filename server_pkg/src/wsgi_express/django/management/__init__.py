"""Django finds the runmodwsgi command here."""
