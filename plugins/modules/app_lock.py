#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_lock
short_description: Take or let go of an app's deploy lock on a host
version_added: 0.3.0
description:
  - One play at a time deploys (or rolls back) an app on a host. The lock is a file in
    C(/run/wsgi-apache/locks) naming the play that holds it - its controller, user and C(ansible-playbook)
    process - and since when. The site and express roles and the rollback playbook take it for each app
    before they change anything of it, and let go of it when they end, failed or not.
  - A play that finds the lock held waits for it, up to O(wait) seconds, then fails naming the holder and
    since when. A lock whose play is gone is taken over - at once when that play ran on the same controller
    (it was killed, say), or once the lock is older than O(ttl) seconds (a play on another controller
    cannot be asked). C(/run) is emptied at boot.
  - Taking and letting go are bookkeeping, never reported as a change.
author: wsgi.apache contributors (@wsgi-apache)
options:
  root:
    description: The app's directory, such as C(/srv/wsgi-apache/blog); it need not exist yet.
    type: str
    required: true
  state:
    description: C(locked) to take the lock, C(unlocked) to let go of it (only if this play holds it).
    type: str
    choices: [locked, unlocked]
    default: locked
  wait:
    description: Seconds to wait for a lock another play holds.
    type: int
    default: 300
  ttl:
    description: Seconds after which a lock its play never let go of is taken over (renewed at each take).
    type: int
    default: 3600
  holder:
    description: Internal, from the action plugin - this play.
    type: dict
  take_over:
    description: Internal, from the action plugin - a holder found gone, whose lock may be taken.
    type: dict
extends_documentation_fragment:
  - wsgi.apache.attributes
attributes:
  check_mode:
    support: full
    description: Takes and lets go of the lock in check mode too, as a check run reads what a deploy would change.
  platform:
    platforms: posix
    support: full
    description: Runs as root.
"""

EXAMPLES = r"""
- name: Take blog's deploy lock (waiting up to 10 minutes for another play)
  wsgi.apache.app_lock:
    root: /srv/wsgi-apache/blog
    wait: 600

- name: Let go of it
  wsgi.apache.app_lock:
    root: /srv/wsgi-apache/blog
    state: unlocked
"""

RETURN = r"""
taken:
  description: With O(state=locked), whether this play holds the lock now (the module is asked again while not).
  returned: success
  type: bool
held_by:
  description: Who holds the lock, as C(USER@CONTROLLER (ansible-playbook pid N) since TIME).
  returned: success
  type: str
holder:
  description: The holder's record (controller, pid, started, user).
  returned: success
  type: dict
released:
  description: With O(state=unlocked), whether this play held the lock and let go of it.
  returned: success
  type: bool
took_over:
  description: Why the lock of a play that was gone was taken over (null if it was not).
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wsgi.apache.plugins.module_utils.locks import TTL, WAIT, acquire, describe, release


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="str", required=True),
            state=dict(type="str", default="locked", choices=["locked", "unlocked"]),
            wait=dict(type="int", default=WAIT),
            ttl=dict(type="int", default=TTL),
            holder=dict(type="dict"),
            take_over=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["holder"]:
        module.fail_json(msg="holder is missing: use app_lock through its action plugin (wsgi.apache.app_lock)")
    try:
        if params["state"] == "unlocked":
            module.exit_json(changed=False, released=release(params["root"], params["holder"]))
        taken, record, why = acquire(params["root"], params["holder"], params["ttl"], params["take_over"])
    except OSError as exc:
        module.fail_json(msg="cannot take the deploy lock of %s: %s" % (params["root"], exc))
    module.exit_json(changed=False, taken=taken, held_by=describe(record), holder=record.get("holder"),
                     took_over=why)


if __name__ == "__main__":
    main()
