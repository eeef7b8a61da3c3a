"""Django integration: add "wsgi_express.django" to INSTALLED_APPS for ``manage.py runmodwsgi``."""
