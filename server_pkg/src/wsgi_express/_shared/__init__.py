"""The wsgi.apache collection's module_utils that this package shares (one implementation each)."""
