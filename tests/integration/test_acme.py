"""Certificates from an ACME CA through Apache's mod_md (site_apps[].tls_acme, and an express app's acme_ca
option), end to end against a real ACME server: Debian's pebble on a host of its own, whose CA only the client
side of this test trusts (curl on this machine, and mod_md for pebble's own HTTPS through site_acme_ca_root or
acme_ca_root).

pebble validates the http-01 challenges on the app hosts' port 80, where mod_md answers them, and resolves
the apps' names through its host's /etc/hosts. The first certificate goes live by itself (a path unit sees it
staged and reloads Apache); a renewal, forced by a renew window longer than the certificate's life, does the
same under load and fails no request. The certificates name an OCSP responder beside pebble (which has none
of its own): openssl's, signing with pebble's intermediate CA, and mod_md staples its answers.
"""
import json
import re
import ssl
import subprocess
import urllib.request

import pytest
from cryptography import x509

from conftest import ROOT, run_play
from helpers import files_digest, get, load, wait_for

PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "site.yml"
EXPRESS_PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "express.yml"
PROBE = str(ROOT / "tests" / "integration" / "apps" / "probe")
CA_NAME = "acme-ca.test"
NAMES = ["app.acme.test", "www.app.acme.test"]
XNAMES = ["x.acme.test", "api.x.acme.test"]  # the express app's
XSTORE = "/srv/wsgi-express/xshop/server/md"
CA_ROOT_ON_APP = "/etc/ssl/acme-test-listener-ca.pem"
OCSP_PORT = 4002
OCSP_DIR = "/etc/pebble/ocsp"
# pebble's own HTTPS (the ACME API) with a certificate of a CA made here, and its validations on port 80
PEBBLE = {"pebble": {"listenAddress": "0.0.0.0:14000", "managementListenAddress": "0.0.0.0:15000",
                     "certificate": "/etc/pebble/listener.crt", "privateKey": "/etc/pebble/listener.key",
                     "httpPort": 80, "tlsPort": 443, "ocspResponderURL": f"http://{CA_NAME}:{OCSP_PORT}", "externalAccountBindingRequired": False}}
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


@pytest.fixture(scope="module")
def hosts(start_host):
    return start_host("acme-ca"), start_host("acme-app"), start_host("acme-xapp")


@pytest.fixture(scope="module")
def ca(hosts):
    """pebble running on its host, its app-facing names resolving to the app host."""
    ca_host, app, xapp = hosts
    ca_host.ssh("apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
                "--no-install-recommends pebble openssl >/dev/null", timeout=600)
    ca_host.ssh(LISTENER_CERT)
    ca_host.ssh("cat > /etc/pebble/config.json", stdin=json.dumps(PEBBLE))
    ca_host.ssh(f"echo '{app.address} {' '.join(NAMES)}' >> /etc/hosts")
    ca_host.ssh(f"echo '{xapp.address} {' '.join(XNAMES)}' >> /etc/hosts")
    ca_host.ssh("systemd-run --unit=pebble -E PEBBLE_VA_NOSLEEP=1 -E PEBBLE_WFE_NONCEREJECT=0 "
                "/usr/bin/pebble -config /etc/pebble/config.json")

    def listening():
        return ca_host.ssh("ss -Hltn 'sport = :14000'", check=False).stdout.strip()
    assert wait_for(listening, 30), ca_host.ssh("journalctl -u pebble --no-pager | tail -20", check=False).stdout
    return ca_host


def management(ca, what):
    """What pebble's management port gives (its CA certificates and keys, made new at each start)."""
    context = ssl._create_unverified_context()  # its management port's certificate is the listener's
    with urllib.request.urlopen(f"https://{ca.address}:15000/{what}", context=context, timeout=30) as answer:
        return answer.read()


@pytest.fixture(scope="module")
def roots(ca, tmp_path_factory):
    """The root of pebble's issuing CA."""
    path = tmp_path_factory.mktemp("pebble") / "root.pem"
    path.write_bytes(management(ca, "roots/0"))
    return path


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

        def listening():
            return self.ca.ssh(f"ss -Hltn 'sport = :{OCSP_PORT}'", check=False).stdout.strip()
        assert wait_for(listening, 30), self.ca.ssh("journalctl -u ocsp --no-pager | tail -20", check=False).stdout

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


@pytest.fixture(scope="module")
def responder(ca):
    return Responder(ca)


def stapled(host, name):
    """What openssl s_client on this machine prints of the OCSP answer the host staples to its handshake."""
    done = subprocess.run(["openssl", "s_client", "-connect", f"{host.address}:443", "-servername", name, "-status"],
                          input="", capture_output=True, text=True, timeout=30, check=False)
    return done.stdout.split("---")[0]


def staples_the_cas_answer(host, name, responder, log):
    """No answer is stapled while the responder does not know the certificate; once it does, mod_md fetches
    the answer (its retries back off from 5 s) and Apache staples it: "good", for that certificate."""
    assert "OCSP response: no response sent" in stapled(host, name)
    pem = ssl.get_server_certificate((host.address, 443), timeout=20)
    responder.know(pem)
    assert wait_for(lambda: "Cert Status: good" in stapled(host, name), 240, step=3), (
        stapled(host, name), host.ssh(log, check=False).stdout)
    answered = re.findall(r"^\s*Serial Number: ([0-9A-F]+)$", stapled(host, name), re.M)
    assert [int(serial, 16) for serial in answered] == [x509.load_pem_x509_certificate(pem.encode()).serial_number]


def trusting(app_host, ca):
    """An app host that resolves the CA's name, and trusts the CA of pebble's own HTTPS."""
    app_host.ssh(f"echo '{ca.address} {CA_NAME}' >> /etc/hosts")
    app_host.ssh(f"cat > {CA_ROOT_ON_APP}", stdin=ca.ssh("cat /etc/pebble/ca.crt").stdout)
    return app_host


@pytest.fixture(scope="module")
def app(hosts, ca):
    return trusting(hosts[1], ca)


@pytest.fixture(scope="module")
def xapp(hosts, ca):
    return trusting(hosts[2], ca)


@pytest.fixture(scope="module")
def inventory(app, tmp_path_factory):
    return app.inventory(tmp_path_factory.mktemp("inv"))


def variables(**settings):
    return {"site_apps": [{"name": "shop", "server_name": NAMES[0], "server_aliases": NAMES[1:], "port": 80,
                           "https_port": 443, "tls_acme": True, "src": PROBE, "wsgi_script": "app.wsgi",
                           "health_url": "/env", "daemon": {"processes": 2, "threads": 4}}],
            "site_acme_ca": f"https://{CA_NAME}:14000/dir", "site_acme_ca_root": CA_ROOT_ON_APP,
            "site_acme_terms_agreed": True, "site_acme_contact": "ops@app.acme.test", **settings}


def curl(app, roots, name, path="/env"):
    """curl on this machine, verifying the app's certificate and chain against pebble's root only."""
    return subprocess.run(["curl", "-sS", "--max-time", "20", "--cacert", str(roots), "--resolve",
                           f"{name}:443:{app.address}", "-o", "/dev/null", "-w", "%{http_code}", f"https://{name}{path}"],
                          capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)


def serial(app):
    """The serial number of the certificate the app's HTTPS vhost serves (not verified)."""
    pem = ssl.get_server_certificate((app.address, 443), timeout=20)
    return subprocess.run(["openssl", "x509", "-noout", "-serial"], input=pem, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture(scope="module")
def deployed(app, inventory, roots):
    result = run_play(PLAYBOOK, inventory, variables())
    assert result.rc == 0, result
    # mod_md asks pebble, stages the certificate, and wsgi-apache-md.path reloads Apache: no one else acts
    assert wait_for(lambda: curl(app, roots, NAMES[0]).stdout == "200", 180, step=2), (
        curl(app, roots, NAMES[0]), app.ssh("grep -h md: /var/log/apache2/error.log | tail -20", check=False).stdout)
    return result


def test_terms_not_agreed_are_refused_before_anything_changes(app, inventory):
    before = files_digest(app)
    result = run_play(PLAYBOOK, inventory, variables(site_acme_terms_agreed=False))
    assert result.rc != 0
    assert "site_apps[shop].tls_acme asks the ACME CA for a certificate, and site_acme_terms_agreed is false" in \
        result.output, result
    assert files_digest(app) == before


def test_the_first_certificate_is_the_cas_for_every_name_and_goes_live_by_itself(app, roots, deployed):
    for name in NAMES:
        done = curl(app, roots, name)
        assert done.stdout == "200", (name, done.stderr)
    assert app.ssh("systemctl is-enabled wsgi-apache-md.path").stdout.strip() == "enabled"
    assert app.ssh("systemctl is-active wsgi-apache-md.path").stdout.strip() == "active"
    # taken by Apache (mod_md may keep its job's state there)
    assert app.ssh("ls /var/lib/apache2/md/staging/*/pubcert.pem", check=False).returncode != 0
    # the operator reads mod_md's status on the host; from elsewhere it is refused
    status = json.loads(app.ssh("python3 -c \"import urllib.request; print(urllib.request.urlopen("
                                "'http://127.0.0.1/.well-known/md-status').read().decode())\"").stdout)
    domains = {md["name"]: md for md in status["managed-domains"]}
    assert sorted(domains[NAMES[0]]["domains"]) == sorted(NAMES), status
    assert get(app, 80, "/.well-known/md-status", headers={"Host": NAMES[0]}).status == 403


def test_the_cas_ocsp_answer_is_stapled(app, responder, deployed):
    """site_acme_stapling is on by default (right after the first certificate: mod_md's retries back off)."""
    staples_the_cas_answer(app, NAMES[0], responder, "grep -h -i ocsp /var/log/apache2/error.log | tail -20")


def test_a_second_run_changes_nothing(app, inventory, deployed):
    again = run_play(PLAYBOOK, inventory, variables())
    assert again.rc == 0 and again.changed == 0, again


def renewed_under_load(host, forced_renewal, label):
    """wrk on the host's HTTPS port while forced_renewal() runs a play with a renew window longer than the
    certificate's life (mod_md renews at once, after the play's reload): whether the served certificate
    changed within 3 minutes, and wrk's counts."""
    before = serial(host)
    running = load(host, 443, https=True)
    try:
        forced = forced_renewal()
        assert forced.rc == 0, forced
        renewed = wait_for(lambda: serial(host) != before, 180, step=2)
    finally:
        counts = running.stop()
    print(f"{label}: {counts['non_2xx']} non-2xx and {counts['socket_errors']} socket errors of {counts['requests']} "
          f"requests")
    return renewed, counts


def test_a_renewal_under_load_fails_no_request_and_goes_live_by_itself(app, inventory, roots, deployed):
    try:
        renewed, counts = renewed_under_load(
            app, lambda: run_play(PLAYBOOK, inventory, variables(site_acme_renew_window="3650d")),
            "a renewal and its reload")
    finally:
        back = run_play(PLAYBOOK, inventory, variables())
    assert renewed, app.ssh("grep -h md: /var/log/apache2/error.log | tail -20", check=False).stdout
    assert counts["non_2xx"] == 0 and counts["requests"] > 500, counts["output"]
    assert back.rc == 0, back
    assert curl(app, roots, NAMES[1]).stdout == "200"


def express_variables(**options):
    return {"express_apps": [{"name": "xshop", "src": PROBE, "entry": "app.wsgi", "port": 80, "health_url": "/env",
                              "daemon": {"processes": 2, "threads": 4},
                              "options": {"https_port": 443, "server_name": XNAMES[0], "server_alias": XNAMES[1:],
                                          "acme_ca": f"https://{CA_NAME}:14000/dir", "acme_ca_root": CA_ROOT_ON_APP,
                                          "acme_terms_agreed": True, "acme_contact": "ops@x.acme.test",
                                          "acme_stapling": True, **options}}]}


def test_an_express_app_gets_its_certificate_and_renews_it_under_load(xapp, roots, responder, tmp_path):
    """The express app's own Apache: the first certificate goes live by itself, a second run changes
    nothing, the operator reads md-status on the host, the CA's OCSP answer is stapled (acme_stapling), and
    a forced renewal fails no request."""
    inventory = xapp.inventory(tmp_path)
    refused = run_play(EXPRESS_PLAYBOOK, inventory, express_variables(acme_terms_agreed=False))
    assert refused.rc != 0 and "express_apps[xshop]: wsgi-express setup-server: error: --acme-ca needs " \
        "--acme-terms-agreed: read the CA's terms of service first" in " ".join(refused.output.split()), refused
    first = run_play(EXPRESS_PLAYBOOK, inventory, express_variables())
    assert first.rc == 0, first
    log = "grep -h md: /srv/wsgi-express/xshop/server/error_log | tail -20"
    assert wait_for(lambda: curl(xapp, roots, XNAMES[0]).stdout == "200", 180, step=2), (
        curl(xapp, roots, XNAMES[0]), xapp.ssh(log, check=False).stdout)
    assert curl(xapp, roots, XNAMES[1]).stdout == "200"
    staples_the_cas_answer(xapp, XNAMES[0], responder, log)
    assert xapp.ssh("systemctl is-active wsgi-express-xshop-md.path").stdout.strip() == "active"
    # taken by the app's Apache (mod_md may keep its job's state there)
    assert xapp.ssh(f"ls {XSTORE}/staging/*/pubcert.pem", check=False).returncode != 0, xapp.ssh(
        f"ls -laR {XSTORE}/staging; grep -h md /srv/wsgi-express/xshop/server/error_log | tail -30; "
        "journalctl -u wsgi-express-xshop-md.service --no-pager | tail -20", check=False).stdout
    status = json.loads(xapp.ssh("python3 -c \"import urllib.request as u; print(u.urlopen(u.Request("
                                 f"'http://127.0.0.1/.well-known/md-status', headers={{'Host': '{XNAMES[0]}'}})).read()"
                                 ".decode())\"").stdout)
    assert sorted(status["managed-domains"][0]["domains"]) == sorted(XNAMES), status
    assert get(xapp, 80, "/.well-known/md-status", headers={"Host": XNAMES[0]}).status == 403
    assert xapp.ssh("systemctl is-active apache2", check=False).stdout.strip() == "inactive"
    again = run_play(EXPRESS_PLAYBOOK, inventory, express_variables())
    assert again.rc == 0 and again.changed == 0, again

    renewed, counts = renewed_under_load(
        xapp, lambda: run_play(EXPRESS_PLAYBOOK, inventory, express_variables(acme_renew_window="3650d")),
        "express: a renewal and its restart")
    assert renewed, xapp.ssh(log, check=False).stdout
    assert counts["non_2xx"] == 0 and counts["requests"] > 500, counts["output"]
    assert curl(xapp, roots, XNAMES[1]).stdout == "200"

    plain = express_variables()
    for key in ("acme_ca", "acme_ca_root", "acme_terms_agreed", "acme_contact", "acme_stapling"):
        del plain["express_apps"][0]["options"][key]
    del plain["express_apps"][0]["options"]["https_port"]
    dropped = run_play(EXPRESS_PLAYBOOK, inventory, plain)
    assert dropped.rc == 0, dropped
    assert xapp.ssh("ls /etc/systemd/system | grep -c xshop-md", check=False).stdout.strip() == "0"
