"""Enabled by the test suite only (the Makefile's TEST_SPEEDUPS: ANSIBLE_CALLBACK_PLUGINS, ANSIBLE_CALLBACKS_ENABLED
and WSGIAH_PAYLOAD_CACHE): ansible-playbook keeps the module payloads it builds in a directory that the next
ansible-playbook of the same test run finds, instead of one of its own that goes when it ends.

ansible-core builds each module's payload (the module and the module_utils it imports, found by parsing them)
once per ansible-playbook process, in its local temporary directory: a quarter of a play's CPU on this machine
when the play changes nothing, and the test suite runs about 280 plays. The payloads are the same for every
play of a run (one source tree, one ansible-core), so the run shares them: the process's payload directory
becomes a link to WSGIAH_PAYLOAD_CACHE/KEY, KEY being a digest of the ansible-core release and the paths where
modules come from (so the checkout and an installed tarball, or two ansible-core releases, never share one).
ansible-core's own locking and atomic writes keep concurrent processes safe. The Makefile empties the
directory when a test run starts: a module edited between runs is built anew.
"""
import hashlib
import json
import os

from ansible import constants as C
from ansible import release
from ansible.plugins.callback import CallbackBase

ENV = "WSGIAH_PAYLOAD_CACHE"


class CallbackModule(CallbackBase):
    """Links this process's payload directory to the shared one; prints nothing."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "payload_cache"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        shared = os.environ.get(ENV)
        if not shared:
            return
        sources = [release.__version__, C.COLLECTIONS_PATHS, C.DEFAULT_MODULE_PATH, C.DEFAULT_MODULE_UTILS_PATH]
        key = hashlib.sha256(json.dumps(sources, default=str).encode()).hexdigest()[:16]
        target = os.path.join(shared, key)
        os.makedirs(target, exist_ok=True)
        link = os.path.join(C.DEFAULT_LOCAL_TMP, "ansiballz_cache")
        if not os.path.lexists(link):
            os.symlink(target, link)
