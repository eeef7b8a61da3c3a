"""``python manage.py runmodwsgi``: serve the project through Apache httpd and mod_wsgi.

The project's WSGI_APPLICATION is the app, the project directory (BASE_DIR, else the current
directory) the daemon's working directory, and STATIC_URL is served from STATIC_ROOT by Apache;
every start-server option can be given.
"""

import argparse
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wsgi_express import cli
from wsgi_express.errors import ConfigurationError
from wsgi_express.options import add_server_arguments, add_setup_only


def _static_alias():
    """(URL, STATIC_ROOT) when the project has both, else None; a missing STATIC_ROOT is an error."""
    url, root = getattr(settings, "STATIC_URL", None), getattr(settings, "STATIC_ROOT", None)
    if not url or not root or "://" in str(url):
        return None
    if not os.path.isdir(root):
        raise ConfigurationError("STATIC_ROOT=%s does not exist: run 'manage.py collectstatic' first" % root)
    return ["/" + str(url).strip("/"), str(root)]


class Command(BaseCommand):
    help = "Serve this project with Apache httpd and mod_wsgi, as wsgi-express start-server does."

    def add_arguments(self, parser):
        add_server_arguments(parser, application=False)
        add_setup_only(parser)

    def handle(self, *args, **options):
        wsgi_application = getattr(settings, "WSGI_APPLICATION", None)
        if not wsgi_application or "." not in wsgi_application:
            raise CommandError("settings.WSGI_APPLICATION is %r: set it to the project's WSGI application, such as "
                               "'mysite.wsgi.application'" % (wsgi_application,), returncode=2)
        module, name = wsgi_application.rsplit(".", 1)
        ns = argparse.Namespace(**options)
        if ns.home is None:
            ns.home = str(getattr(settings, "BASE_DIR", None) or os.getcwd())
        environ = {}
        if os.environ.get("DJANGO_SETTINGS_MODULE"):
            environ["DJANGO_SETTINGS_MODULE"] = os.environ["DJANGO_SETTINGS_MODULE"]
        try:
            static = _static_alias()
            if static and static[0] not in [alias[0] for alias in ns.url_alias]:
                ns.url_alias = ns.url_alias + [static]
            cli.start_server(ns, ("module", "%s:%s" % (module, name), name), environ, command="runmodwsgi")
        except ConfigurationError as exc:
            raise CommandError(str(exc), returncode=2)
