"""self_signed with the real openssl: a leaf certificate for exactly the names, kept while it is one."""
import json
import os
import stat
import subprocess

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.wsgi.apache.plugins.modules import self_signed


def run_module(capsys, args, check_mode=False):
    with patch_module_args(dict(args, _ansible_check_mode=check_mode)), pytest.raises(SystemExit):
        self_signed.main()
    return json.loads(capsys.readouterr().out)


def text(cert):
    return subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-text"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def pair(tmp_path):
    return {"certificate": str(tmp_path / "app.crt"), "key": str(tmp_path / "app.key")}


def test_makes_a_leaf_for_names_and_addresses(pair, capsys):
    result = run_module(capsys, dict(pair, names=["blog.example", "10.213.0.3", "2001:db8::1", "www.blog.example"]))
    assert result["changed"] is True and result["reason"] == "the certificate or its key is missing"
    shown = text(pair["certificate"])
    assert "CA:FALSE" in shown and "CA:TRUE" not in shown
    assert "TLS Web Server Authentication" in shown and "Digital Signature, Key Encipherment" in shown
    assert "Subject: CN = blog.example" in shown
    assert "IP Address:10.213.0.3" in shown and "DNS:10.213.0.3" not in shown
    assert "IP Address:2001:DB8:0:0:0:0:0:1" in shown
    assert "DNS:blog.example" in shown and "DNS:www.blog.example" in shown
    assert stat.S_IMODE(os.stat(pair["key"]).st_mode) == 0o600
    assert not [n for n in os.listdir(os.path.dirname(pair["key"])) if n.startswith(".")], "temporary files left"


def test_a_second_run_keeps_the_pair(pair, capsys):
    run_module(capsys, dict(pair, names=["blog.example", "10.0.0.5"]))
    before = open(pair["certificate"]).read(), open(pair["key"]).read()
    result = run_module(capsys, dict(pair, names=["blog.example", "10.0.0.5"]))
    assert result["changed"] is False and result["reason"] == ""
    assert (open(pair["certificate"]).read(), open(pair["key"]).read()) == before


def test_a_ca_certificate_is_replaced(pair, capsys):
    # what the site role of 0.1.0 made: openssl req -x509 with the system's v3_ca extensions
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=blog.example",
                    "-addext", "subjectAltName=DNS:blog.example", "-keyout", pair["key"], "-out", pair["certificate"]],
                   capture_output=True, check=True)
    assert "CA:TRUE" in text(pair["certificate"])
    checked = run_module(capsys, dict(pair, names=["blog.example"]), check_mode=True)
    assert checked["changed"] is True and checked["reason"] == "the certificate is a CA certificate"
    assert "CA:TRUE" in text(pair["certificate"]), "check mode wrote"
    result = run_module(capsys, dict(pair, names=["blog.example"]))
    assert result["changed"] is True and "CA:FALSE" in text(pair["certificate"])


@pytest.mark.slow
def test_a_new_alias_or_a_foreign_key_remakes_it(pair, capsys, tmp_path):
    run_module(capsys, dict(pair, names=["blog.example"]))
    result = run_module(capsys, dict(pair, names=["blog.example", "www.blog.example"]))
    assert result["reason"] == "its names are DNS:blog.example, not DNS:blog.example, DNS:www.blog.example"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-out", pair["key"]], capture_output=True, check=True)
    result = run_module(capsys, dict(pair, names=["blog.example", "www.blog.example"]))
    assert result["reason"] == "the key does not belong to the certificate"
    assert run_module(capsys, dict(pair, names=["blog.example", "www.blog.example"]))["changed"] is False


def test_no_names(pair, capsys):
    result = run_module(capsys, dict(pair, names=[""]))
    assert result["failed"] is True and "names is empty" in result["msg"]
