"""Enabled by the test suite only (the Makefile's TEST_SPEEDUPS, with payload_cache and template_cache): when a
play starts, ansible-playbook's own process loads every filter and test plugin (ansible-core's and those of the
collections on its path), so that the processes it forks for the tasks find them loaded.

ansible-playbook runs each task in a process forked for it. A plugin is loaded in the process that first asks for
it, and the main process never renders a task's arguments: so each fork that renders a filter imports that
filter's file, and the module_utils it imports, again (the collection's filters import the option tables and the
app records), about a tenth of this machine's CPU for a play. What runs is the same code, loaded once; a plugin that
fails to load here is left for the task to fail on, as it would without this.
"""
import glob
import os

from ansible import constants as C
from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import filter_loader, test_loader

LOADERS = {"filter": filter_loader, "test": test_loader}


def collection_plugins(kind):
    """The names a collection's plugins of kind would have if each file held the one its file is named after
    (the loader loads the whole file whatever name in it is asked for)."""
    for root in C.COLLECTIONS_PATHS:
        for path in glob.glob(os.path.join(root, "ansible_collections", "*", "*", "plugins", kind, "*.py")):
            namespace, collection = path.split(os.sep)[-5:-3]
            stem = os.path.splitext(os.path.basename(path))[0]
            if not stem.startswith("_"):
                yield f"{namespace}.{collection}.{stem}"


class CallbackModule(CallbackBase):
    """Loads the filter and test plugins in this process when a play starts; prints nothing."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "plugin_preload"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.loaded = False

    def v2_playbook_on_play_start(self, play):
        if self.loaded:  # a playbook's later plays: loaded already
            return
        self.loaded = True
        for kind, loader in LOADERS.items():
            try:
                for dummy in loader.all():
                    pass
                for name in collection_plugins(kind):
                    loader.get(name)
            except Exception:  # pylint: disable=broad-exception-caught  # the task that uses it fails as without
                pass
