#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: daemon_restart
short_description: Restart one mod_wsgi daemon process group gracefully, one process at a time
version_added: 0.2.0
description:
  - Finds the processes of a daemon process group by their display name (the C(display-name) of
    its C(WSGIDaemonProcess), which mod_wsgi writes over the process's command line) and sends each
    in turn the graceful restart signal (SIGUSR1). A process so signalled stops taking requests,
    lets those in flight finish (within its C(eviction-timeout), or C(graceful-timeout)) and exits,
    and Apache starts a new one on the same socket; the module waits for that before the next.
  - Requests that arrive meanwhile wait in the group's socket backlog or go to its other processes,
    so no request fails; the other groups of the same Apache, and Apache itself, are not touched.
  - This is how the site and express roles make new code, requirements or environment live without
    reloading Apache.
author: wsgi.apache contributors (@wsgi-apache)
options:
  display_name:
    description: The group's display name as C(ps) shows it, such as C((wsgi:blog)) for C(display-name=%{GROUP}).
    type: str
    required: true
  timeout:
    description:
      - Seconds to wait for each process to exit and be replaced; at least its drain time
        (C(eviction-timeout), or C(graceful-timeout)) plus its start.
    type: int
    default: 60
  together:
    description:
      - Signal all the group's processes at once. The group then serves nothing until their replacements
        start (requests wait in its socket; none fails while its backlog has room) - for a release that
        must stop serving at once, such as an unhealthy one going back to the release before it.
    type: bool
    default: false
  health:
    description:
      - The app's health URL, asked every few hundredths of a second while the processes restart and after,
        until it answers; the first answer outside O(health.status) (502, 503 and 504 are no answer yet) puts
        O(back_to) back and fails the task at once, without waiting for the rest of the group. No answer
        within O(health.wait) seconds is left to the caller's own wait.
    type: dict
    suboptions:
      url: {description: The URL asked (on the host itself)., type: str, required: true}
      host: {description: The C(Host) it is asked for., type: str, default: localhost}
      status: {description: The statuses that pass., type: list, elements: int, required: true}
      wait: {description: Seconds to ask for an answer after the restart., type: int, default: 30}
  back_to:
    description:
      - The release to make live again when O(health) sees a bad answer (the group then restarts on it, all
        at once - M(wsgi.apache.app_release)'s O(wsgi.apache.app_release#module:state=live)).
    type: dict
    suboptions:
      root: {description: The app's directory., type: str, required: true}
      release: {description: The release that was live before., type: str, required: true}
extends_documentation_fragment:
  - wsgi.apache.attributes
attributes:
  check_mode:
    support: full
    description: Reports the processes it would restart.
  platform:
    platforms: posix
    support: full
    description: Reads C(/proc); must run as root (or as the group's user).
"""

EXAMPLES = r"""
- name: Make the new release of blog live
  wsgi.apache.daemon_restart:
    display_name: (wsgi:blog)
    timeout: 75
"""

RETURN = r"""
unhealthy:
  description: With O(health), the app answered outside O(health.status) (the task failed; O(back_to) is live).
  returned: failure
  type: bool
restarted:
  description: Each process restarted, as its old and its new pid.
  returned: always
  type: list
  elements: dict
  sample: [{old: 4711, new: 4795}, {old: 4712, new: 4801}]
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wsgi.apache.plugins.module_utils.daemons import Unhealthy, group_pids, restart
from ansible_collections.wsgi.apache.plugins.module_utils.health import ask, verdict
from ansible_collections.wsgi.apache.plugins.module_utils.releases import ReleaseError, Releases, status_text

POLL = 0.05  # seconds between two asks of the health URL after the restart


class Gate(object):
    """The health URL asked while the group restarts and after: the first bad answer is a failure."""

    def __init__(self, health):
        self.health, self.went_live, self.good = health, time.monotonic(), False

    def failure(self):
        """Ask once: why the release must stop serving (a bad answer), or None."""
        health = self.health
        answer = ask(health["url"], health["host"])
        found = verdict(answer, health["status"])
        self.good = found == "good"
        if found != "bad":
            return None
        return "GET %s (Host %s) answered %d %s %.1f s after it went live, where %s was expected" % (
            health["url"], health["host"], answer[0], answer[1], time.monotonic() - self.went_live,
            status_text(health["status"]))

    def settle(self):
        """After the restart: ask until an answer comes, within health.wait seconds; Unhealthy if it is bad."""
        deadline = time.monotonic() + self.health["wait"]
        self.good = False
        while time.monotonic() < deadline:
            failure = self.failure()
            if failure:
                raise Unhealthy(failure)
            if self.good:
                return
            time.sleep(POLL)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            display_name=dict(type="str", required=True), timeout=dict(type="int", default=60),
            together=dict(type="bool", default=False),
            health=dict(type="dict", options=dict(url=dict(type="str", required=True),
                                                  host=dict(type="str", default="localhost"),
                                                  status=dict(type="list", elements="int", required=True),
                                                  wait=dict(type="int", default=30))),
            back_to=dict(type="dict", options=dict(root=dict(type="str", required=True),
                                                   release=dict(type="str", required=True))),
        ),
        supports_check_mode=True,
    )
    params = module.params
    name = params["display_name"]
    if module.check_mode:
        pids = group_pids(name)
        module.exit_json(changed=bool(pids), restarted=[dict(old=pid, new=None) for pid in pids])
    gate = Gate(params["health"]) if params["health"] else None
    try:
        done = restart(name, params["timeout"], together=params["together"], probe=gate and gate.failure)
        if gate:
            gate.settle()
    except TimeoutError as exc:
        module.fail_json(msg=str(exc))
    except Unhealthy as exc:
        module.fail_json(msg=go_back(params, str(exc)), unhealthy=True)
    module.exit_json(changed=bool(done), restarted=[dict(old=old, new=new) for old, new in done])


def go_back(params, failure):
    """Put the release before back and restart the group on it at once; what to say."""
    back = params["back_to"]
    if not back:
        return "the app is not healthy: %s; it had no earlier release to go back to" % failure
    releases = Releases(back["root"])
    bad = releases.live()
    try:
        releases.switch(back["release"])
        restart(params["display_name"], params["timeout"], together=True)
    except (ReleaseError, OSError, TimeoutError) as exc:
        return "release %s of %s is not healthy: %s; going back to release %s failed: %s" % (
            bad, back["root"], failure, back["release"], exc)
    return "release %s of %s is not healthy: %s; release %s is live again (its daemon processes restarted at once)" % (
        bad, back["root"], failure, back["release"])


if __name__ == "__main__":
    main()
