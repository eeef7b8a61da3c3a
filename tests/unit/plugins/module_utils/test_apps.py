"""The app entry rules both roles share: each refusal names the app, key, value and fix."""
import pytest

from ansible_collections.wsgi.apache.plugins.module_utils.apps import app_errors


def site(tmp_path, **keys):
    return dict({"name": "blog", "server_name": "blog.example", "src": str(tmp_path), "wsgi_module": "blog.wsgi:app"},
                **keys)


def express(tmp_path, **keys):
    return dict({"name": "blog", "src": str(tmp_path), "entry": "app.wsgi"}, **keys)


def test_good_entries_pass(tmp_path):
    assert app_errors([site(tmp_path), site(tmp_path, name="shop", port=8080)], "site") == []
    assert app_errors([express(tmp_path), express(tmp_path, name="shop", port=8001)], "express", {"port": 8000}) == []


@pytest.mark.parametrize("name", ["Blog", "1blog", "", "b" * 28, "blog.app", None, 7])
def test_bad_names_are_refused_by_both_roles_alike(tmp_path, name):
    for role, entry in (("site", site), ("express", express)):
        errors = app_errors([entry(tmp_path, name=name)], role)
        assert any(".name=" in e and "1 to 27 lower-case letters" in e for e in errors), (role, errors)


def test_the_longest_name_makes_a_user_name_linux_accepts(tmp_path):
    name = "b" * 27
    assert app_errors([site(tmp_path, name=name)], "site") == []
    assert len("wsgi-" + name) == 32


@pytest.mark.parametrize("keys, words", [
    ({"path": "/srv/blog"}, ["site_apps[blog]: give exactly one of src", "and path"]),
    ({"src": "/nonexistent/dir"}, ['site_apps[blog].src="/nonexistent/dir" is not a directory on the controller']),
    ({"user": "root"}, ['site_apps[blog].user="root": an app never runs as root', "wsgi-blog"]),
    ({"group": "root"}, ['site_apps[blog].group="root": an app never runs as root']),
    ({"daemon": {"user": "x"}}, ["site_apps[blog].daemon.user is set by the role: set the app's own user key"]),
    ({"wsgi_script": "app.wsgi"}, ["site_apps[blog]: give exactly one of wsgi_script"]),
    ({"wsgi_module": "blog.wsgi"}, ['site_apps[blog].wsgi_module="blog.wsgi" is not module:callable']),
    ({"tls_certificate": "/etc/ssl/blog.crt"}, ["give tls_certificate and tls_certificate_key together"]),
    ({"access_script": "access.py"}, ['site_apps[blog].access_script="access.py"', "site_restrict_embedded"]),
])
def test_site_refusals(tmp_path, keys, words):
    errors = app_errors([site(tmp_path, **keys)], "site", {"restrict_embedded": True})
    assert len(errors) == 1, errors
    for word in words:
        assert word in errors[0]


ACME = {"tls_acme": True, "https_port": 443}
AGREED = {"acme_terms_agreed": True, "acme_contact": "ops@blog.example"}


@pytest.mark.parametrize("keys, settings, words", [
    ({"tls_acme": True}, AGREED, ["site_apps[blog].tls_acme needs https_port"]),
    (ACME, {"acme_contact": "ops@blog.example"}, ["site_apps[blog].tls_acme asks the ACME CA",
                                                  "site_acme_terms_agreed is false", "set site_acme_terms_agreed to true"]),
    (ACME, {"acme_terms_agreed": True}, ["site_apps[blog].tls_acme asks the ACME CA", "site_acme_contact is empty",
                                         "set site_acme_contact to an e-mail address"]),
    (dict(ACME, tls_certificate="/c", tls_certificate_key="/k"), AGREED,
     ["give tls_certificate and tls_certificate_key, or tls_acme", "not both"]),
    (dict(ACME, server_aliases=["*.blog.example"]), AGREED,
     ['site_apps[blog].tls_acme: "*.blog.example" cannot be validated over HTTP', "leave it out of server_aliases"]),
    (dict(ACME, server_aliases=["192.0.2.7"]), AGREED,
     ['site_apps[blog].tls_acme: "192.0.2.7" cannot be validated over HTTP']),
])
def test_acme_refusals(tmp_path, keys, settings, words):
    errors = app_errors([site(tmp_path, **keys)], "site", settings)
    assert len(errors) == 1, errors
    for word in words:
        assert word in errors[0]


def test_acme_apps_pass_with_the_terms_agreed_also_from_the_defaults(tmp_path):
    assert app_errors([site(tmp_path, **ACME, server_aliases=["www.blog.example"])], "site", AGREED) == []
    assert app_errors([site(tmp_path, https_port=443)], "site", dict(AGREED, tls_acme=True, acme_terms_agreed=False))[0] \
        .startswith("site_apps[blog].tls_acme asks the ACME CA")


def test_site_path_apps(tmp_path):
    entry = site(tmp_path, path="relative/dir")
    del entry["src"]
    assert app_errors([entry], "site") == [
        'site_apps[blog].path="relative/dir" is not absolute: set it to the app\'s directory on the host, '
        "such as /srv/myapp"]
    entry["path"] = "/srv/blog"
    assert app_errors([entry], "site") == []


def test_access_script_is_allowed_when_embedded_python_is(tmp_path):
    assert app_errors([site(tmp_path, access_script="access.py")], "site", {"restrict_embedded": False}) == []


def test_express_refusals(tmp_path):
    assert app_errors([express(tmp_path, entry="/srv/app.wsgi")], "express") == [
        'express_apps[blog].entry="/srv/app.wsgi" is absolute: with application_type script, give the script\'s '
        "path relative to the app directory, such as app.wsgi"]
    assert app_errors([express(tmp_path, entry="/srv/app.wsgi", application_type="module")], "express") == []
    assert app_errors([express(tmp_path, user="root")], "express")[0].startswith('express_apps[blog].user="root"')


def test_names_and_express_ports_are_unique(tmp_path):
    errors = app_errors([site(tmp_path), site(tmp_path)], "site")
    assert errors == ['site_apps: apps blog, blog share name="blog": every app needs its own name '
                      "(it names its user, daemon group and files)"]
    errors = app_errors([express(tmp_path), express(tmp_path, name="shop")], "express", {"port": 8000})
    assert errors == ["express_apps: apps blog, shop share port=8000: every app needs its own port "
                      "(each is its own Apache)"]


def test_an_entry_that_is_not_a_dictionary(tmp_path):
    assert app_errors(["blog"], "site") == [
        'site_apps[?]="blog" is not a dictionary: write each app as name: ..., src: ...']


def test_accounts_follow_one_rule():
    from ansible_collections.wsgi.apache.plugins.module_utils.apps import account
    assert account({"name": "blog"}, "/srv/wsgi-apache/") == {
        "user": "wsgi-blog", "group": "wsgi-blog", "home": "/srv/wsgi-apache/blog"}
    assert account({"name": "blog", "user": "www-blog"}, "/srv/x") == {
        "user": "www-blog", "group": "www-blog", "home": "/srv/x/blog"}
    assert account({"name": "blog", "user": "u", "group": "g"}, "/srv/x")["group"] == "g"


@pytest.mark.parametrize("keys, words", [
    ({"server_name": "bad name with spaces"}, ['site_apps[blog].server_name="bad name with spaces" is not a host name']),
    ({"server_name": "-x.example"}, ['site_apps[blog].server_name="-x.example" is not a host name']),
    ({"server_aliases": ["ok.example", "no_such name"]}, ['site_apps[blog].server_aliases: "no_such name" is not a host name']),
    ({"port": 70000}, ["site_apps[blog].port=70000 is not a port: give a number in 1-65535"]),
    ({"port": 0}, ["site_apps[blog].port=0 is not a port"]),
    ({"https_port": "44x"}, ['site_apps[blog].https_port="44x" is not a port']),
    ({"port": True}, ["site_apps[blog].port=true is not a port"]),
    ({"static": [{"url": "static", "path": "static"}]}, ['site_apps[blog].static: url="static" is not a URL path']),
    ({"static": [{"url": "/", "path": "static"}]}, ['site_apps[blog].static: url="/" is not a URL path under the app']),
    ({"static": [{"url": "/s", "path": "a"}, {"url": "/s", "path": "b"}]}, ['site_apps[blog].static: url="/s" is given twice']),
])
def test_what_apache_would_refuse_or_ignore_is_refused_naming_the_key(tmp_path, keys, words):
    errors = app_errors([site(tmp_path, **keys)], "site", {"port": 80})
    assert len(errors) == 1 and all(word in errors[0] for word in words), errors


def test_names_addresses_wildcards_and_numeric_strings_pass(tmp_path):
    good = [site(tmp_path, server_name="10.0.0.5", port="8080"), site(tmp_path, name="v6", server_name="::1"),
            site(tmp_path, name="shop", server_name="shop.example.", server_aliases=["*.shop.example", "sh?p.example"],
                 https_port="8443")]
    assert app_errors(good, "site", {"port": 80}) == []


def test_two_apps_on_the_same_name_and_port_are_refused(tmp_path):
    apps = [site(tmp_path, server_name="Blog.Example"), site(tmp_path, name="shop", server_aliases=["blog.example"])]
    errors = app_errors(apps, "site", {"port": 80})
    assert errors == ["site_apps: apps blog, shop both answer blog.example on port 80: give each its own server_name "
                      "(or alias) or port, or the second is never reached"]
    assert app_errors([apps[0], site(tmp_path, name="shop", port=8080)], "site", {"port": 80}) == []
    https = [site(tmp_path, https_port=443), site(tmp_path, name="shop", port=8080, https_port="443")]
    assert "both answer blog.example on port 443" in app_errors(https, "site", {"port": 80})[0]


def test_a_requirements_file_the_src_does_not_have_is_refused(tmp_path):
    (tmp_path / "requirements.txt").write_text("flask\n")
    assert app_errors([site(tmp_path, requirements="requirements.txt")], "site") == []
    for role, entry in (("site", site), ("express", express)):
        errors = app_errors([entry(tmp_path, requirements="reqs/missing.txt")], role)
        assert len(errors) == 1 and '.requirements="reqs/missing.txt" is not a file of the app\'s src' in errors[0], errors


def test_an_express_port_out_of_range_is_refused(tmp_path):
    assert app_errors([express(tmp_path, port=65536)], "express", {"port": 8000}) == [
        "express_apps[blog].port=65536 is not a port: give a number in 1-65535"]
    assert app_errors([express(tmp_path, port="8001")], "express", {"port": 8000}) == []


def test_shared_directories_are_the_apps_own_and_given_by_env_and_link(tmp_path):
    from ansible_collections.wsgi.apache.plugins.module_utils.apps import shared
    app = site(tmp_path, shared=[{"name": "media", "env": "MEDIA_ROOT", "link": "media", "mode": "0755"},
                                 {"name": "cache"}])
    assert app_errors([app], "site") == []
    assert shared(app, "/srv/wsgi-apache") == [
        {"app": "blog", "name": "media", "path": "/srv/wsgi-apache/blog/shared/media", "owner": "wsgi-blog",
         "group": "wsgi-blog", "mode": "0755", "env": "MEDIA_ROOT", "link": "media"},
        {"app": "blog", "name": "cache", "path": "/srv/wsgi-apache/blog/shared/cache", "owner": "wsgi-blog",
         "group": "wsgi-blog", "mode": "0750", "env": None, "link": None}]


@pytest.mark.parametrize("entries, words", [
    ("media", ['site_apps[blog].shared="media" is not a list of directories']),
    ([{"name": "Media"}], ['site_apps[blog].shared[Media].name="Media" must be lower-case']),
    ([{"name": "../x"}], ['site_apps[blog].shared[../x].name="../x" must be lower-case']),
    ([{"name": "m", "env": "MEDIA-ROOT"}], ['site_apps[blog].shared[m].env="MEDIA-ROOT" is not an environment']),
    ([{"name": "m", "env": "GREETING"}], ['site_apps[blog].shared[m].env="GREETING" is in the app\'s environment too']),
    ([{"name": "m", "link": "/srv/media"}], ['site_apps[blog].shared[m].link="/srv/media" is not a path inside']),
    ([{"name": "m", "link": "a/../../b"}], ['site_apps[blog].shared[m].link="a/../../b" is not a path inside']),
    ([{"name": "m", "mode": 755}], ['site_apps[blog].shared[m].mode=755 is not an octal mode as a string']),
    ([{"name": "m"}, {"name": "m"}], ['site_apps[blog].shared: name="m" is given twice']),
    ([{"name": "a", "link": "x"}, {"name": "b", "link": "x"}], ['site_apps[blog].shared: link="x" is given twice']),
    ([{"name": "a", "env": "X"}, {"name": "b", "env": "X"}], ['site_apps[blog].shared: env="X" is given twice']),
])
def test_bad_shared_directories_are_refused_naming_the_key(tmp_path, entries, words):
    errors = app_errors([site(tmp_path, shared=entries, environment={"GREETING": "hi"})], "site")
    assert any(all(word in error for word in words) for error in errors), errors


def test_a_path_app_takes_shared_directories_by_env_not_link(tmp_path):
    app = express(tmp_path, shared=[{"name": "m", "link": "media"}])
    del app["src"]
    app["path"] = "/srv/blog"
    errors = app_errors([app], "express")
    assert errors == ['express_apps[blog].shared[m].link="media": an app given as path keeps its own directory, '
                      'which the role does not change: use env instead'], errors


def test_an_absent_entry_needs_only_its_name(tmp_path):
    gone = {"name": "old", "state": "absent"}
    assert app_errors([site(tmp_path), gone], "site") == []
    assert app_errors([express(tmp_path), dict(gone, remove_shared=True)], "express") == []
    assert app_errors([{"name": "Old", "state": "absent"}], "site")[0].startswith('site_apps[Old].name="Old" must be')


def test_an_absent_entry_frees_its_port_and_name_for_another_app(tmp_path):
    assert app_errors([express(tmp_path), express(tmp_path, name="old", state="absent")], "express") == []
    assert app_errors([site(tmp_path), site(tmp_path, name="old", state="absent")], "site") == []


def test_state_and_remove_shared_are_checked(tmp_path):
    assert app_errors([site(tmp_path, state="gone")], "site") == [
        'site_apps[blog].state="gone" is not one of present, absent: absent removes the app from the host']
    assert app_errors([express(tmp_path, remove_shared=True)], "express") == [
        "express_apps[blog].remove_shared is for an app being removed: set state: absent with it, or leave it out"]
    assert app_errors([{"name": "old", "state": "absent", "remove_shared": "yes"}], "site") == [
        'site_apps[old].remove_shared="yes" is not true or false: true also deletes the app\'s shared data']


def test_an_app_to_deploy_needs_its_server_name_or_entry(tmp_path):
    entry = site(tmp_path)
    del entry["server_name"]
    assert app_errors([entry], "site") == [
        "site_apps[blog]: give server_name, the site's name, such as blog.example.com"]
    entry = express(tmp_path)
    del entry["entry"]
    assert app_errors([entry], "express") == [
        "express_apps[blog]: give entry, the app's WSGI script (such as app.wsgi) or, with application_type module, "
        "its module"]
