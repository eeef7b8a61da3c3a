import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.filter.mod_wsgi_release import FilterModule


FILTER = FilterModule().filters()["mod_wsgi_release"]


def test_returns_version_and_empty_error():
    assert FILTER("auto", "3.11.2", "2.4.62") == {"version": "6.1.1", "error": ""}


def test_unknown_apache_is_empty_string():
    assert FILTER("5.0.2", "3.9.2", "") == {"version": "5.0.2", "error": ""}


def test_refusal_is_data_for_assert():
    result = FILTER("4.1.0", "3.11.2")
    assert result["version"] is None and "4.9.1" in result["error"]


def test_missing_python_version_raises():
    with pytest.raises(AnsibleFilterError, match="python_version is empty"):
        FILTER("auto", "")
