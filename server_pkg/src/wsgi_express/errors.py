"""The one error the command line turns into a one-line message and exit status 2."""

import contextlib

from wsgi_express._shared.daemon_options import OptionError


class ConfigurationError(Exception):
    """Something given (or missing on this host) that keeps the server from starting."""


@contextlib.contextmanager
def from_table():
    """The option table's refusals (OptionError, already naming the flag) as ConfigurationError."""
    try:
        yield
    except OptionError as exc:
        raise ConfigurationError(str(exc))
