"""tools/ansible_vars/controller_tmp.py: a task that runs on this machine, on localhost or delegated to it, makes its
temporary directory in ansible-playbook's local temporary directory (under ANSIBLE_HOME) instead of
~/.ansible/tmp; a task on another host keeps that host's own."""
import re

import ansible_play
from ansible_play import ROOT

# A module that reports the file it was run as: ansible-core copies it into the task's temporary directory.
WHERE = """#!/usr/bin/python3
import json, sys
print(json.dumps({"changed": False, "ran_as": sys.argv[0]}))
"""


def report(name, delegate=""):
    return f"""
    - {{name: {name}, where: {{}}, register: where{delegate}}}
    - ansible.builtin.debug: {{msg: "{name} ran as {{{{ where.ran_as }}}}"}}"""


PLAY = f"""
- hosts: localhost
  gather_facts: false
  tasks:{report("localhost")}
- hosts: other
  gather_facts: false
  tasks:{report("delegated", ", delegate_to: localhost")}{report("other")}
"""


def test_this_machines_tasks_keep_their_files_under_ansible_home_and_other_hosts_their_own(tmp_path):
    (tmp_path / "library").mkdir()
    (tmp_path / "library" / "where.py").write_text(WHERE)
    elsewhere = tmp_path / "elsewhere"
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(f"other ansible_connection=local ansible_remote_tmp={elsewhere}\n")
    output = ansible_play.run(tmp_path, PLAY, [], ANSIBLE_INVENTORY=str(inventory),
                              ANSIBLE_VARS_PLUGINS=str(ROOT / "tools" / "ansible_vars"),
                              ANSIBLE_VARS_ENABLED="host_group_vars,controller_tmp")
    ran_as = dict(re.findall(r'"msg": "(\w+) ran as (\S+)"', output))
    local_tmp = str(tmp_path / "home" / "tmp") + "/"
    assert ran_as["localhost"].startswith(local_tmp), output
    assert ran_as["delegated"].startswith(local_tmp), output
    assert ran_as["other"].startswith(str(elsewhere) + "/"), output
    assert not any(re.search(r"/\.ansible/tmp/", path) for path in ran_as.values()), ran_as
