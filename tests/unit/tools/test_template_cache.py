"""tools/ansible_callbacks/template_cache.py: the code Jinja made of a template or expression in one process is
what the next one uses, and renders the same; an edited filter plugin makes new code."""
import os
import shutil

import pytest

import ansible_play
from ansible_play import ROOT

# Expressions and templates of several kinds: a filter of the collection's, one that takes the context
# (lookup('vars') is called with it), a loop, a conditional, a multi-line template.
PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    apps: [{name: a, port: 8080}, {name: b}]
    defaults: {port: 80, python: /usr/bin/python3}
  tasks:
    - name: Render
      ansible.builtin.debug:
        msg: >-
          {{ apps | map(attribute='port', default=defaults.port) | list }}
          {{ lookup('ansible.builtin.vars', 'defaults').python }}
          {% for app in apps %}{{ app.name | upper }}{{ ',' if not loop.last }}{% endfor %}
          {{ (apps | wsgi.apache.app_accounts('/srv/x'))[0].user }}
      when: apps | length > 1
"""


def play(tmp_path, cache, collections):
    output = ansible_play.run(tmp_path, PLAY, ["template_cache"], cache, collections)
    return output[output.index("TASK [Render]"):output.index("PLAY RECAP")]


def kept(cache):
    return {path.name: path.stat().st_mtime_ns for path in (cache / "templates").iterdir()}


@pytest.fixture(name="collections")
def collections_copy(tmp_path):
    """The collection's plugins in a tree of their own (a test may touch one)."""
    tree = tmp_path / "collections" / "ansible_collections" / "wsgi" / "apache"
    shutil.copytree(ROOT / "plugins", tree / "plugins")
    shutil.copy(ROOT / "galaxy.yml", tree)
    return tmp_path / "collections"


@pytest.mark.slow
def test_the_next_play_uses_the_code_the_first_made_and_renders_the_same(tmp_path, collections):
    cache = tmp_path / "cache"
    without = play(tmp_path, None, collections)
    assert "[8080, 80]" in without and "/usr/bin/python3" in without and "A,B" in without, without

    first = play(tmp_path, cache, collections)
    made = kept(cache)
    assert len(made) == 2, made  # the conditional, and the message (one template)
    second = play(tmp_path, cache, collections)
    assert first == second == without
    assert kept(cache) == made  # nothing compiled anew, nothing rewritten


@pytest.mark.slow
def test_an_edited_filter_plugin_makes_new_code(tmp_path, collections):
    cache = tmp_path / "cache"
    play(tmp_path, cache, collections)
    made = kept(cache)
    plugin = collections / "ansible_collections" / "wsgi" / "apache" / "plugins" / "filter" / "app_accounts.py"
    os.utime(plugin, ns=(plugin.stat().st_atime_ns, plugin.stat().st_mtime_ns + 10**9))
    play(tmp_path, cache, collections)
    assert len(kept(cache)) == 2 * len(made), "every key changed with the plugin"
