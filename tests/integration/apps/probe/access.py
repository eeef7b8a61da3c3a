"""WSGIAccessScript: allow a request only if mod_ssl's functions say it came over TLS."""


def allow_access(environ, host):
    is_https = environ.get("mod_ssl.is_https")
    var_lookup = environ.get("mod_ssl.var_lookup")
    if not callable(is_https) or not callable(var_lookup):
        return False
    return bool(is_https()) and str(var_lookup("SSL_PROTOCOL") or "").startswith("TLS")
