"""An ACME CA for the tests and benchmarks (test_acme.py, bench/deploy.py): Debian's pebble on a test host of
its own, with an OCSP responder beside it, and what an app host needs to use it.

pebble serves its ACME API over HTTPS with a certificate of a CA made here (its "listener" CA), which only the
app hosts trust (CA_ROOT_ON_APP); it validates http-01 challenges on the app hosts' port 80, resolving their
names through its own /etc/hosts. pebble has no OCSP responder, so its certificates name one (its
ocspResponderURL): openssl ocsp, signing with pebble's intermediate CA from its management port.
"""
import json
import ssl
import time
import urllib.request

from cryptography import x509

CA_NAME = "acme-ca.test"
DIRECTORY = f"https://{CA_NAME}:14000/dir"
CA_ROOT_ON_APP = "/etc/ssl/acme-test-listener-ca.pem"
OCSP_PORT = 4002
OCSP_DIR = "/etc/pebble/ocsp"
# pebble's own HTTPS (the ACME API) with a certificate of a CA made here, and its validations on port 80
PEBBLE = {"pebble": {"listenAddress": "0.0.0.0:14000", "managementListenAddress": "0.0.0.0:15000",
                     "certificate": "/etc/pebble/listener.crt", "privateKey": "/etc/pebble/listener.key",
                     "httpPort": 80, "tlsPort": 443, "ocspResponderURL": f"http://{CA_NAME}:{OCSP_PORT}",
                     "externalAccountBindingRequired": False}}
LISTENER_CERT = f"""set -e
mkdir -p /etc/pebble && cd /etc/pebble
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=acme-test-listener-ca \\
  -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN={CA_NAME} -keyout listener.key \\
  -out listener.csr 2>/dev/null
printf 'subjectAltName=DNS:{CA_NAME}\\n' > listener.ext
openssl x509 -req -in listener.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile listener.ext \\
  -out listener.crt 2>/dev/null
"""


def polled(predicate, seconds, step=0.5):
    """Whether predicate becomes truthy within seconds (polled every step, bounded)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def until(predicate, seconds, diagnose):
    """Poll predicate (bounded) until it is truthy; else fail with what diagnose() says."""
    if not polled(predicate, seconds):
        raise AssertionError(diagnose())


def start(ca_host, names):
    """pebble running on ca_host, which resolves each address of names ({address: [name, ...]}) to it."""
    ca_host.ssh("apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
                "--no-install-recommends pebble openssl >/dev/null", timeout=600)
    ca_host.ssh(LISTENER_CERT)
    ca_host.ssh("cat > /etc/pebble/config.json", stdin=json.dumps(PEBBLE))
    for address, resolved in names.items():
        ca_host.ssh(f"echo '{address} {' '.join(resolved)}' >> /etc/hosts")
    ca_host.ssh("systemd-run --unit=pebble -E PEBBLE_VA_NOSLEEP=1 -E PEBBLE_WFE_NONCEREJECT=0 "
                "/usr/bin/pebble -config /etc/pebble/config.json")
    listening(ca_host, 14000, "pebble")
    return ca_host


def listening(host, port, unit):
    """Wait (bounded) until something listens on the host's TCP port; else fail with the unit's journal."""
    def found():
        return host.ssh(f"ss -Hltn 'sport = :{port}'", check=False).stdout.strip()
    until(found, 30, lambda: host.ssh(f"journalctl -u {unit} --no-pager | tail -20", check=False).stdout)


def management(ca, what):
    """What pebble's management port gives (its CA certificates and keys, made new at each start)."""
    context = ssl._create_unverified_context()  # its management port's certificate is the listener's
    with urllib.request.urlopen(f"https://{ca.address}:15000/{what}", context=context, timeout=30) as answer:
        return answer.read()


def trusting(app_host, ca):
    """An app host that resolves the CA's name, and trusts the CA of pebble's own HTTPS."""
    app_host.ssh(f"echo '{ca.address} {CA_NAME}' >> /etc/hosts")
    app_host.ssh(f"cat > {CA_ROOT_ON_APP}", stdin=ca.ssh("cat /etc/pebble/ca.crt").stdout)
    return app_host


def served_pem(host, port=443):
    """The certificate the host serves on port (its one HTTPS vhost; not verified)."""
    return ssl.get_server_certificate((host.address, port), timeout=20)


def served_serial(host):
    """The serial number of the certificate the host serves on 443."""
    return x509.load_pem_x509_certificate(served_pem(host).encode()).serial_number


def renewed(host, force, seconds=180):
    """force() (a play with a renew window longer than the certificate's life: mod_md renews at once, after the
    play's reload), then whether the host serves another certificate within seconds (bounded)."""
    before = served_serial(host)
    force()
    return polled(lambda: served_serial(host) != before, seconds, step=1)


class Responder:
    """openssl ocsp on the CA's host, for pebble's intermediate CA (which issues the apps' certificates and
    signs the answers): "good" for the certificates it was told of, "unknown" for any other."""

    def __init__(self, ca):
        self.ca = ca
        ca.ssh(f"mkdir -p {OCSP_DIR} && : > {OCSP_DIR}/index.txt")
        ca.ssh(f"cat > {OCSP_DIR}/ca.pem", stdin=management(ca, "intermediates/0").decode())
        ca.ssh(f"umask 077 && cat > {OCSP_DIR}/key.pem", stdin=management(ca, "intermediate-keys/0").decode())
        self.start()

    def start(self):
        """(Again:) openssl ocsp reads its index when it starts."""
        self.ca.ssh("systemctl stop ocsp 2>/dev/null; systemd-run --unit=ocsp --collect openssl ocsp -ignore_err "
                    f"-port {OCSP_PORT} -index {OCSP_DIR}/index.txt -CA {OCSP_DIR}/ca.pem -rsigner {OCSP_DIR}/ca.pem "
                    f"-rkey {OCSP_DIR}/key.pem -ndays 1")
        listening(self.ca, OCSP_PORT, "ocsp")

    def know(self, pem):
        """A valid certificate in the responder's index (openssl ca's format), as the CA records what it issued."""
        cert = x509.load_pem_x509_certificate(pem.encode())
        number = f"{cert.serial_number:X}"
        number = "0" * (len(number) % 2) + number  # whole bytes, as openssl writes and looks serials up
        line = "\t".join(["V", cert.not_valid_after_utc.strftime("%y%m%d%H%M%SZ"), "", number,
                          "unknown", "/CN=" + cert.extensions.get_extension_for_class(
                              x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)[0]])
        self.ca.ssh(f"cat >> {OCSP_DIR}/index.txt", stdin=line + "\n")
        self.start()
