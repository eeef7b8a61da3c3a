"""The runmodwsgi command."""
