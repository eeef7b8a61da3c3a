"""A real Django project (tests/integration/apps/shop: models and migrations, static files through
ManifestStaticFilesStorage, uploads) on PostgreSQL on a host of its own, deployed by the site role with
build commands (collectstatic), release commands (migrate) and a shared media directory.

The first deploy migrates and collects. v1 -> v2, with an additive migration (a nullable column) and a new
stylesheet, goes live under wrk with 0 failed requests, while a client keeps loading pages and the
stylesheet each names: every one answers 200, the old release's too. Uploads made under v1 are served under
v2 and after a rollback to v1 (which runs against the expanded schema). A migration that fails stops the
deploy before anything goes live, naming the command. The express role deploys the same project against the
same database, and its next release still serves the stylesheet the release before named.
"""
import re
import secrets
import shutil
import threading
import time

import pytest

from conftest import ROOT, run_play
from helpers import get, load
from shop import PORT, entry as app, make_v2, set_version

SHOP = ROOT / "tests" / "integration" / "apps" / "shop"
PLAYBOOKS = ROOT / "tests" / "integration" / "playbooks"
STYLESHEET = re.compile(r'href="(/static/catalog/shop\.[0-9a-f]{12}\.css)"')

FAILING_MIGRATION = '''from django.db import migrations


def fail(apps, schema_editor):
    raise RuntimeError("price cannot be backfilled")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_item_price")]
    operations = [migrations.RunPython(fail)]
'''


@pytest.fixture(scope="module")
def db(start_host):
    return start_host("shopdb")


@pytest.fixture(scope="module")
def host(start_host):
    return start_host("shop")


@pytest.fixture(scope="module")
def shop(db, host, inventory, tmp_path_factory):
    """The database ready for the app host, and a copy of the shop that the tests change."""
    password = secrets.token_hex(16)
    db_inventory = db.inventory(tmp_path_factory.mktemp("db"))
    made = run_play(PLAYBOOKS / "postgres.yml", db_inventory, {"shop_client": host.address, "shop_db_password": password})
    assert made.rc == 0, made
    src = tmp_path_factory.mktemp("shop") / "shop"
    shutil.copytree(SHOP, src)
    return {"src": src, "password": password, "db": db.address}


def deploy(shop, inventory, **keys):
    return run_play(PLAYBOOKS / "site.yml", inventory, {"site_apps": [app(shop, **keys)]})


def version(host):
    return get(host, PORT, "/health").json()["version"]


class PageWatcher:
    """A client that loads the page and the stylesheet it names, again and again, until stop(): what each
    answered (bounded: at most 2000 rounds)."""

    def __init__(self, host):
        self.host, self.seen, self.running = host, [], True
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        for dummy in range(2000):
            if not self.running:
                break
            page = get(self.host, PORT, "/")
            found = STYLESHEET.search(page.body.decode("utf-8", "replace")) if page.status == 200 else None
            css = get(self.host, PORT, found.group(1)) if found else None
            self.seen.append((page.status, found.group(1) if found else None, css.status if css else None))
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.thread.join(120)
        return self.seen


def test_the_first_deploy_migrates_collects_and_serves_uploads(host, inventory, shop):
    result = deploy(shop, inventory)
    assert result.rc == 0, result
    assert get(host, PORT, "/items?name=teapot").status == 200
    page = get(host, PORT, "/")
    assert page.status == 200 and "teapot" in page.body.decode()
    stylesheet = STYLESHEET.search(page.body.decode()).group(1)
    assert get(host, PORT, stylesheet).status == 200  # collected into the release, served by Apache
    upload = get(host, PORT, "/upload?name=v1.txt", body=b"uploaded under v1")
    assert upload.status == 200 and upload.json()["url"] == "/media/v1.txt", upload.body
    assert get(host, PORT, "/media/v1.txt").body == b"uploaded under v1"
    again = deploy(shop, inventory)
    assert again.rc == 0 and again.changed == 0, again


def test_an_additive_migration_goes_live_under_load_and_every_stylesheet_stays_served(host, inventory, shop):
    make_v2(shop["src"])
    under_load = load(host, PORT, "/")
    watcher = PageWatcher(host)
    try:
        result = deploy(shop, inventory)
    finally:
        seen = watcher.stop()
        counts = under_load.stop()
    assert result.rc == 0, result
    assert version(host) == "v2"
    print(f"django v1 -> v2 with migrate: {counts['non_2xx']} non-2xx, {counts['socket_errors']} socket errors of "
          f"{counts['requests']} requests; {len(seen)} pages loaded with their stylesheet")
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    stylesheets = {name for status, name, css_status in seen}
    assert len(stylesheets) == 2, seen  # pages of both releases were served while it went live
    assert get(host, PORT, seen[0][1]).status == 200  # v1's stylesheet is v2's too (carried into the release)
    assert all(status == 200 and css_status == 200 for status, name, css_status in seen), \
        [entry for entry in seen if entry[0] != 200 or entry[2] != 200]
    assert get(host, PORT, "/media/v1.txt").body == b"uploaded under v1"

    back = run_play("wsgi.apache.rollback", inventory, {"app": "shop"})
    assert back.rc == 0, back
    assert version(host) == "v1"  # v1's code runs against v2's schema (expand: a nullable column)
    assert get(host, PORT, "/").status == 200
    assert get(host, PORT, "/media/v1.txt").body == b"uploaded under v1"
    assert deploy(shop, inventory).rc == 0 and version(host) == "v2"


def test_a_failing_migration_stops_the_deploy_before_anything_goes_live(host, inventory, shop):
    (shop["src"] / "catalog" / "migrations" / "0003_backfill.py").write_text(FAILING_MIGRATION)
    set_version(shop["src"], "v3")
    under_load = load(host, PORT, "/health")
    try:
        result = deploy(shop, inventory)
    finally:
        counts = under_load.stop()
    said = " ".join(result.output.split())
    assert result.rc != 0
    assert "release command 'python manage.py migrate --noinput' exited with status 1" in said, result
    assert "price cannot be backfilled" in said, result
    assert version(host) == "v2"
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    (shop["src"] / "catalog" / "migrations" / "0003_backfill.py").unlink()
    set_version(shop["src"], "v2")


def test_the_express_role_deploys_the_same_project(host, inventory, shop):
    entry = app(shop)
    express = {key: entry[key] for key in ("src", "requirements", "health_url", "environment", "build_commands",
                                           "release_commands", "shared")}
    express.update(name="shopx", port=8091, application_type="module", entry="shop.wsgi:application",
                   options={"url_alias": [["/static", "/srv/wsgi-express/shopx/app/staticfiles"]]})
    result = run_play(PLAYBOOKS / "express.yml", inventory, {"express_apps": [express]})
    assert result.rc == 0, result
    health = get(host, 8091, "/health")
    assert health.status == 200 and health.json()["version"] == "v2", health.body
    page = get(host, 8091, "/")
    assert page.status == 200
    before = STYLESHEET.search(page.body.decode()).group(1)
    assert get(host, 8091, before).status == 200

    # A new stylesheet: the new release also has the old one, which pages of the old release name.
    css = shop["src"] / "catalog" / "static" / "catalog" / "shop.css"
    css.write_text(css.read_text() + "p { margin: 0; }\n")
    assert run_play(PLAYBOOKS / "express.yml", inventory, {"express_apps": [express]}).rc == 0
    after = STYLESHEET.search(get(host, 8091, "/").body.decode()).group(1)
    assert after != before
    assert get(host, 8091, before).status == 200 and get(host, 8091, after).status == 200
