"""The one error the command line turns into a one-line message and exit status 2."""


class ConfigurationError(Exception):
    """Something given (or missing on this host) that keeps the server from starting."""
