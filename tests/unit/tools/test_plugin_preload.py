"""tools/ansible_callbacks/plugin_preload.py: a collection's filter plugin is loaded once, by ansible-playbook's own
process when the play starts, instead of by each process it forks for a task; the tasks render the same."""
import collections
import re

import pytest

import ansible_play

# A filter plugin that records each process that imports it (its pid), and returns the pid of the process
# that renders it and of that one's parent.
FILTER = """
import os

with open(os.path.join(os.path.dirname(__file__), "imports.log"), "a") as log:
    log.write("%d\\n" % os.getpid())


def where(value):
    return "%s rendered by %d, child of %d" % (value, os.getpid(), os.getppid())


class FilterModule:
    def filters(self):
        return {"where": where}
"""

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
""" + "".join(f"""
    - name: Render {n}
      ansible.builtin.debug:
        msg: "{{{{ 'task {n}' | probe.preload.where }}}}"
""" for n in range(3))


@pytest.fixture(name="collections")
def collection_with_a_filter(tmp_path):
    tree = tmp_path / "collections" / "ansible_collections" / "probe" / "preload"
    (tree / "plugins" / "filter").mkdir(parents=True)
    (tree / "plugins" / "filter" / "where.py").write_text(FILTER)
    (tree / "galaxy.yml").write_text("namespace: probe\nname: preload\nversion: 1.0.0\n")
    return tmp_path / "collections"


Rendered = collections.namedtuple("Rendered", "text pid parent")


def rendered(output):
    """Per task: its text, the pid of the process that rendered it, and that process's parent."""
    return [Rendered(text, int(pid), int(parent))
            for text, pid, parent in re.findall(r'"msg": "(task \d) rendered by (\d+), child of (\d+)"', output)]


def imports(collections):
    log = collections / "ansible_collections" / "probe" / "preload" / "plugins" / "filter" / "imports.log"
    pids = [int(pid) for pid in log.read_text().split()]
    log.unlink()
    return pids


@pytest.mark.slow
def test_a_filter_is_imported_once_by_the_main_process_and_renders_the_same(tmp_path, collections):
    without = rendered(ansible_play.run(tmp_path, PLAY, [], collections=collections))
    assert [task.text for task in without] == ["task 0", "task 1", "task 2"], without
    # each task's process imported the filter itself
    assert sorted(imports(collections)) == sorted(task.pid for task in without)

    preloaded = rendered(ansible_play.run(tmp_path, PLAY, ["plugin_preload"], collections=collections))
    assert [task.text for task in preloaded] == ["task 0", "task 1", "task 2"], preloaded
    main = {task.parent for task in preloaded}
    assert len(main) == 1 and main.isdisjoint(task.pid for task in preloaded), preloaded  # forks of one process
    assert imports(collections) == list(main)  # one import, in that process, before the forks
