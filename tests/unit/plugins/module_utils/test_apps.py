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
