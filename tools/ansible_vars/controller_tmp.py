"""Enabled by the Makefile for every run of this checkout (make deploy and the tests): the tasks that run on this
machine (localhost, delegated ones included) make their temporary directories in ansible-playbook's own local
temporary directory (under ANSIBLE_HOME, so in the checkout, and removed when it ends), not in ~/.ansible/tmp.

ansible-core puts a task's files under its remote_tmp, `~/.ansible/tmp` of the user it runs as, on this machine
as on any host, whatever ANSIBLE_HOME says. Only the hosts ansible-core itself takes for this machine get this
variable; every other host keeps its own default.
"""
from ansible import constants as C
from ansible.plugins.vars import BaseVarsPlugin

DOCUMENTATION = """
name: controller_tmp
short_description: this machine's tasks keep their temporary files under ANSIBLE_HOME
description: Sets ansible_remote_tmp for localhost (and its other names) to ansible-playbook's local temporary directory.
requirements: [enabled in vars_plugins_enabled]
"""


class VarsModule(BaseVarsPlugin):
    """ansible_remote_tmp for the names of this machine, nothing for any other host or group."""

    REQUIRES_ENABLED = True

    def get_vars(self, loader, path, entities, cache=True):
        super().get_vars(loader, path, entities)
        if any(getattr(entity, "name", None) in C.LOCALHOST for entity in entities):
            return {"ansible_remote_tmp": C.DEFAULT_LOCAL_TMP}
        return {}
