"""The app_shared filter: every app's shared directories, app after app."""
from ansible_collections.wsgi.apache.plugins.filter.app_shared import FilterModule, app_shared


def test_registered():
    assert FilterModule().filters()["app_shared"] is app_shared


def test_all_apps_in_order():
    apps = [{"name": "blog", "shared": [{"name": "media"}]}, {"name": "shop"},
            {"name": "wiki", "user": "wiki", "shared": [{"name": "a"}, {"name": "b", "env": "B"}]}]
    found = app_shared(apps, "/srv/apps/")
    assert [(entry["app"], entry["path"], entry["owner"]) for entry in found] == [
        ("blog", "/srv/apps/blog/shared/media", "wsgi-blog"), ("wiki", "/srv/apps/wiki/shared/a", "wiki"),
        ("wiki", "/srv/apps/wiki/shared/b", "wiki")]
