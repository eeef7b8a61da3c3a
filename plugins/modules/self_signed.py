#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: self_signed
short_description: A self-signed TLS server certificate and key that strict clients accept
version_added: 0.2.0
description:
  - Makes a self-signed leaf certificate for a server (C(CA:FALSE), key usage digital
    signature and key encipherment, extended key usage serverAuth) with each of O(names) as a
    subject alternative name, an C(IP Address) entry for an address and a C(DNS) entry
    otherwise, and its private key (mode C(0600)).
  - An existing pair is kept when it is such a certificate for exactly those names and the key
    belongs to it; otherwise (a CA certificate as earlier releases of the site role made, a
    name added or removed, a lost key) both are made again.
  - Uses the host's C(openssl) command with a configuration of its own, so the system's
    C(openssl.cnf) does not change what is made.
author: wsgi.apache contributors (@wsgi-apache)
options:
  certificate:
    description: Path of the certificate (PEM).
    type: path
    required: true
  key:
    description: Path of the private key (PEM), written readable by its owner only.
    type: path
    required: true
  names:
    description: Server names and addresses, the first also the subject's common name.
    type: list
    elements: str
    required: true
  days:
    description: Validity of a new certificate.
    type: int
    default: 3650
attributes:
  check_mode:
    support: full
    description: Reports whether the pair would be made, and why, without writing.
  diff_mode:
    support: none
    description: Keys are never shown.
  platform:
    platforms: posix
    support: full
    description: Needs the C(openssl) command on the host.
"""

EXAMPLES = r"""
- name: A self-signed pair for a vhost reached by name and by address
  wsgi.apache.self_signed:
    certificate: /etc/wsgi-apache/tls/blog.crt
    key: /etc/wsgi-apache/tls/blog.key
    names: [blog.example.com, www.blog.example.com, 192.0.2.10]
"""

RETURN = r"""
reason:
  description: Why the pair was (or would be) made; empty when it was kept.
  returned: always
  type: str
  sample: the certificate is a CA certificate
subject_alt_names:
  description: The subject alternative names of the certificate, as OpenSSL writes them.
  returned: always
  type: list
  elements: str
  sample: ["DNS:blog.example.com", "IP Address:192.0.2.10"]
"""

import ipaddress
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule


def alt_name(name):
    """(config entry, how openssl -text shows it) of one name."""
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return "DNS:%s" % name, "DNS:%s" % name
    shown = ":".join("%X" % int(group, 16) for group in address.exploded.split(":")) if address.version == 6 else address
    return "IP:%s" % address, "IP Address:%s" % shown


def _section(text, title):
    match = re.search(r"X509v3 %s:(?: critical)?\s*\n\s*(.+)" % re.escape(title), text)
    return match.group(1).strip() if match else None


def why_remake(module, openssl, certificate, key, wanted):
    """Empty when the pair on the host is what is wanted, else the reason it is not."""
    if not os.path.exists(certificate) or not os.path.exists(key):
        return "the certificate or its key is missing"
    rc, text, err = module.run_command([openssl, "x509", "-in", certificate, "-noout", "-text"])
    if rc != 0:
        return "the certificate does not parse (%s)" % err.strip()
    if _section(text, "Basic Constraints") != "CA:FALSE":
        return "the certificate is a CA certificate"
    if "TLS Web Server Authentication" not in (_section(text, "Extended Key Usage") or ""):
        return "the certificate is not for server authentication"
    have = sorted(n.strip() for n in (_section(text, "Subject Alternative Name") or "").split(",") if n.strip())
    if have != sorted(wanted):
        return "its names are %s, not %s" % (", ".join(have) or "none", ", ".join(sorted(wanted)))
    rc1, cert_key, dummy = module.run_command([openssl, "x509", "-in", certificate, "-noout", "-pubkey"])
    rc2, own_key, dummy = module.run_command([openssl, "pkey", "-in", key, "-pubout"])
    if rc1 or rc2 or cert_key.strip() != own_key.strip():
        return "the key does not belong to the certificate"
    return ""


CONFIG = """[req]
distinguished_name = subject
x509_extensions = leaf
prompt = no
[subject]
CN = %s
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = %s
"""


def make(module, openssl, certificate, key, names, days):
    directory = os.path.dirname(certificate) or "."
    work = tempfile.mkdtemp(prefix=".self-signed-", dir=directory)
    try:
        config, new_cert, new_key = (os.path.join(work, n) for n in ("openssl.cnf", "cert.pem", "key.pem"))
        with open(config, "w") as fh:
            fh.write(CONFIG % (names[0], ",".join(alt_name(n)[0] for n in names)))
        old_umask = os.umask(0o077)
        try:
            rc, out, err = module.run_command([openssl, "req", "-x509", "-config", config, "-newkey", "rsa:2048",
                                               "-nodes", "-days", str(days), "-keyout", new_key, "-out", new_cert])
        finally:
            os.umask(old_umask)
        if rc != 0:
            module.fail_json(msg="openssl could not make the pair for %s: %s" % (", ".join(names), err.strip()))
        os.chmod(new_key, 0o600)
        os.chmod(new_cert, 0o644)
        os.rename(new_key, key)
        os.rename(new_cert, certificate)
    finally:
        for name in os.listdir(work):
            os.unlink(os.path.join(work, name))
        os.rmdir(work)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            certificate=dict(type="path", required=True),
            key=dict(type="path", required=True),
            names=dict(type="list", elements="str", required=True),
            days=dict(type="int", default=3650),
        ),
        supports_check_mode=True,
    )
    params = module.params
    names = [n for n in params["names"] if n]
    if not names:
        module.fail_json(msg="names is empty: give the server name (and any aliases or addresses) the certificate is for")
    openssl = module.get_bin_path("openssl")
    if openssl is None:
        module.fail_json(msg="the openssl command is not on this host: install the openssl package")
    wanted = [alt_name(n)[1] for n in names]
    reason = why_remake(module, openssl, params["certificate"], params["key"], wanted)
    if reason and not module.check_mode:
        make(module, openssl, params["certificate"], params["key"], names, params["days"])
    module.exit_json(changed=bool(reason), reason=reason, subject_alt_names=sorted(wanted))


if __name__ == "__main__":
    main()
