"""wsgi-express: run a WSGI application on Apache httpd and mod_wsgi, configured from the command line.

The option table, the rlimit probe and the module layout are the wsgi.apache
collection's own ``plugins/module_utils`` files, linked into ``_shared`` and
copied into the package when it is built.
"""

__version__ = "0.3.0"  # the collection's version (galaxy.yml): tests/unit/roles/test_express_package.py keeps them equal
