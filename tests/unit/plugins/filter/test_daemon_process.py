"""The daemon_process filter: the table's directive, or an AnsibleFilterError a user can act on."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.filter.daemon_process import FilterModule, daemon_process


def test_registered():
    assert FilterModule().filters()["daemon_process"] is daemon_process


def test_renders():
    assert daemon_process({"threads": 4, "queue_timeout": 2}, "app", "5.0.2") == \
        "WSGIDaemonProcess app threads=4 queue-timeout=2"


def test_errors_name_where():
    with pytest.raises(AnsibleFilterError) as err:
        daemon_process({"queue_timout": 2}, "app", "", "site_apps[app].daemon")
    assert "site_apps[app].daemon.queue_timout is not a WSGIDaemonProcess option: did you mean queue_timeout?" in str(err.value)
