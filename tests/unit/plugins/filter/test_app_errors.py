"""The app_errors filter: the shared rules, and a clear error for input that is not a list."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.filter.app_errors import FilterModule, app_errors


def test_registered():
    assert FilterModule().filters()["app_errors"] is app_errors


def test_returns_the_refusals(tmp_path):
    assert app_errors([{"name": "x", "src": str(tmp_path), "entry": "a.wsgi"}], "express") == []
    assert app_errors([{"name": "X", "src": str(tmp_path), "entry": "a.wsgi"}], "express")[0].startswith(
        'express_apps[X].name="X" must be')


def test_bad_calls():
    with pytest.raises(AnsibleFilterError, match="role='web' is not one of express, site"):
        app_errors([], "web")
    with pytest.raises(AnsibleFilterError, match="site_apps=.* is not a list"):
        app_errors({"name": "x"}, "site")
