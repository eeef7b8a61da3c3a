"""An app's deploy lock: one holder at a time, renewed by its holder, taken over when it expired or its
holder is known to be gone; let go of only by its holder."""
import json
import os
import subprocess
import sys

from ansible_collections.wsgi.apache.plugins.action.app_lock import gone, this_play
from ansible_collections.wsgi.apache.plugins.module_utils.locks import acquire, describe, lock_path, release

ROOT = "/srv/wsgi-apache/blog"
A = {"controller": "ci-1", "pid": 100, "started": 5, "user": "deploy"}
B = {"controller": "laptop", "pid": 200, "started": 7, "user": "ann"}


def test_one_holder_at_a_time_and_its_record_names_it(tmp_path):
    taken, record, why = acquire(ROOT, A, 60, now=1000, locks=str(tmp_path))
    assert taken and why is None
    assert lock_path(ROOT, str(tmp_path)) == str(tmp_path / "srv-wsgi-apache-blog.json")
    assert oct(os.stat(lock_path(ROOT, str(tmp_path))).st_mode & 0o777) == "0o600"
    taken, record, why = acquire(ROOT, B, 60, now=1010, locks=str(tmp_path))
    assert not taken and record["holder"] == A
    assert describe(record) == "deploy@ci-1 (ansible-playbook pid 100) since 1970-01-01T00:16:40Z"
    assert acquire("/srv/wsgi-apache/shop", B, 60, now=1010, locks=str(tmp_path))[0]  # another app's lock


def test_its_holder_renews_it_and_only_its_holder_lets_go(tmp_path):
    acquire(ROOT, A, 60, now=1000, locks=str(tmp_path))
    taken, record, dummy = acquire(ROOT, dict(A, user="other name, same play"), 60, now=1050, locks=str(tmp_path))
    assert taken and record["expires"] == 1110
    assert not release(ROOT, B, locks=str(tmp_path))
    assert release(ROOT, A, locks=str(tmp_path))
    assert not os.path.exists(lock_path(ROOT, str(tmp_path)))
    assert not release(ROOT, A, locks=str(tmp_path))


def test_an_expired_lock_or_a_gone_holders_is_taken_over(tmp_path):
    acquire(ROOT, A, 60, now=1000, locks=str(tmp_path))
    assert not acquire(ROOT, B, 60, now=1059, locks=str(tmp_path))[0]
    taken, record, why = acquire(ROOT, B, 60, now=1061, locks=str(tmp_path))
    assert taken and record["holder"] == B and why == "it expired at 1970-01-01T00:17:40Z"
    taken, record, why = acquire(ROOT, A, 60, take_over=B, now=1062, locks=str(tmp_path))
    assert taken and why == "its holder's play is no longer running"
    assert not acquire(ROOT, B, 60, take_over=dict(B, pid=201), now=1063, locks=str(tmp_path))[0]


def test_an_unreadable_lock_file_protects_nothing(tmp_path):
    path = lock_path(ROOT, str(tmp_path))
    open(path, "w").write('{"holder": ')
    taken, record, why = acquire(ROOT, A, 60, now=1000, locks=str(tmp_path))
    assert taken and why == "an unreadable lock file"
    assert json.load(open(path))["holder"] == A


def test_a_play_of_this_controller_is_gone_once_its_process_is():
    play = this_play()
    assert play["pid"] == os.getppid() and play["started"] is not None
    assert not gone(play)
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    started = int(open("/proc/%d/stat" % child.pid).read().rsplit(")", 1)[1].split()[19])
    child.communicate(b"", timeout=60)
    assert gone(dict(play, pid=child.pid, started=started))
    assert not gone(dict(play, controller="elsewhere", pid=child.pid, started=started))
