#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_release
short_description: Build an app's release, switch the live one, prune old ones
version_added: 0.2.0
description:
  - Each deployed version of an app's code, environment and entry point is a release, in
    C(ROOT/releases/ID/) (ID is the UTC time it was made and the start of its content's digest, so
    content deployed before makes no new release). The live release is the link C(ROOT/current),
    switched in one step; its code, virtualenv and environment are reached through C(ROOT/app),
    C(ROOT/venv) and C(ROOT/env.json), links into C(ROOT/current).
  - With O(state=present), makes the release for the given content unless it exists - its code
    (copied from O(src) on the controller, or a link to O(path) on the host), its environment, and
    its virtualenv (reused from an earlier release when the requirements file, the extra packages
    and the Python are the same, so a code-only release installs nothing) - then loads the app in a
    child Python as its user, with its environment, as a daemon process would. A release that fails
    to load is removed and the task fails naming it and the failure; it never goes live.
  - The first release of an app (one with no live release, in neither layout) goes live at once, as nothing
    serves the app yet.
  - With O(state=live), switches C(ROOT/current) to O(release), or to the release that was live before
    the live one (O(release=previous)). An app deployed in the layout of 0.1.0 of the roles (code
    and virtualenv as plain directories) moves to releases at its first switch, with no moment
    without its code; the old code becomes a release of its own.
  - With O(state=run), runs release commands (O(commands)) against a complete release before it goes live.
  - With O(state=pruned), removes the oldest releases beyond O(keep), never the live or the previous
    one, and the virtualenvs no release uses.
  - The daemon processes start using a new live release when they restart
    (M(wsgi.apache.daemon_restart)).
author: wsgi.apache contributors (@wsgi-apache)
extends_documentation_fragment: [wsgi.apache.app_root, wsgi.apache.attributes]
options:
  state:
    description: What to do.
    type: str
    choices: [present, live, run, pruned]
    default: present
  src:
    description: With O(state=present), the app's code on the controller, copied into the release.
    type: path
  path:
    description: With O(state=present), the app's code already on the host (not versioned; the release links to it).
    type: str
  environment:
    description: The app's environment variables, written to the release's C(env.json) (mode C(0640), O(group)).
    type: dict
    default: {}
  entry:
    description: The app's entry point, kept in the release for its entry script.
    type: dict
    suboptions:
      type: {description: C(module) or C(script)., type: str, choices: [module, script], required: true}
      value: {description: "C(pkg.wsgi:application), or the script's path relative to the code.", type: str, required: true}
      callable: {description: The callable's name in a script., type: str, default: application}
  user:
    description: The app's user, who runs the import check.
    type: str
  group:
    description: The app's group, which may read the environment.
    type: str
  python:
    description: The interpreter of the virtualenv and of the import check (mod_wsgi's own).
    type: str
    default: /usr/bin/python3
  requirements:
    description: A requirements file relative to the code; with it (or O(packages)) the release gets a virtualenv.
    type: str
  packages:
    description: Further pip arguments installed into the virtualenv (such as a package's directory).
    type: list
    elements: str
    default: []
  packages_digest:
    description: What identifies O(packages)' content (their files' digest), part of the virtualenv's key.
    type: str
    default: ''
  check_import:
    description:
      - Load the app before the release is complete (O(state=present)), as its user, with the release's
        Python and environment; with O(health), also ask it for its health URL once, through its WSGI
        callable. A release that fails never goes live, and nothing of it stays.
    type: bool
    default: true
  health:
    description:
      - The request the check makes once the app loaded, as a WSGI server hands it a GET; an answer outside
        O(health.status) fails the release before it can go live.
    type: dict
    suboptions:
      path: {description: The URL path asked., type: str, required: true}
      host: {description: The host name the request is for (C(Host)), type: str, default: localhost}
      port: {description: The port the request came to., type: int, default: 80}
      status: {description: The statuses that pass., type: list, elements: int, required: true}
  check_timeout:
    description:
      - Seconds the check may take. At the limit the app's threads' stacks are reported and the check is
        stopped with every process it started.
    type: int
    default: 300
  links:
    description:
      - With O(state=present), links to put in the new release's code - each key a path relative to the code,
        its value the link's target - such as the app's shared directories. An empty directory at the path
        gives way; anything else there fails the release. Copied code only (O(src)).
    type: dict
    default: {}
  static_dirs:
    description:
      - With O(state=present), directories of the code (relative) that Apache serves. After the build commands,
        each gets the live release's files that it lacks, as hard links - pages the old release still serves while
        the new one goes live name them (hashed names, such as Django's C(ManifestStaticFilesStorage) gives), and
        they stay answerable. Copied code only; a directory that is a link (a shared one) is left alone.
    type: list
    elements: str
    default: []
  build_commands:
    description:
      - With O(state=present), commands run in the new release's code before the check (such as
        C(python manage.py collectstatic --noinput)) - as O(user), with the release's environment, its code
        on C(PYTHONPATH) and its virtualenv first on C(PATH); each is split into words as a shell would,
        but no shell runs it. The code is O(user)'s while they run (copied code only), then root's again
        with what they wrote. What they print is kept in the release's C(build.log). A command that fails
        fails the release, which never goes live.
    type: list
    elements: str
    default: []
  commands:
    description:
      - With O(state=run), commands run against the complete release O(release) the same way (such as
        C(python manage.py migrate --noinput)), its code read-only; what they print is kept in its
        C(release.log) and returned. The first that fails fails the task, naming it. Commands that succeeded
        against a release (the same list, kept in its C(released.json)) do not run against it again.
      - Then, with O(health), the release's check (its load and one request, as O(check_import) describes),
        which may need what the commands did (a migrated database), unless the release is live already.
    type: list
    elements: str
    default: []
  ran_elsewhere:
    description:
      - With O(state=run), the O(commands) succeeded already, on another host of the play, against a release of
        the same content (they change what every host shares, a database), so O(release) is marked released without
        running them, then checked as O(commands) says. Nothing happens to a release marked released
        already (this host ran them, and checked it after them).
    type: bool
    default: false
    version_added: 0.3.0
  command_timeout:
    description:
      - Seconds each build or release command may take; at the limit it is stopped with every process
        it started.
    type: int
    default: 600
  release:
    description: With O(state=live), the release to make live, or C(previous); with O(state=run), the release.
    type: str
  keep:
    description: With O(state=pruned), how many releases to keep (the live and the previous one always stay).
    type: int
    default: 5
  digest:
    description: Internal, from the action plugin - the digest of the release's content.
    type: str
  environment_data:
    description: Internal, from the action plugin - O(environment) as base64 of its JSON.
    type: str
  stage:
    description: Internal, from the action plugin.
    type: str
    choices: [find, build]
    default: find
attributes:
  check_mode:
    support: full
    description: Reports the release it would make, switch or remove.
  platform:
    platforms: posix
    support: full
    description: Needs Linux (renameat2) and runuser; runs as root.
"""

EXAMPLES = r"""
- name: Build the release of blog's code, environment and requirements
  wsgi.apache.app_release:
    root: /srv/wsgi-apache/blog
    src: blog/
    environment: {DJANGO_SETTINGS_MODULE: blog.settings}
    entry: {type: module, value: "blog.wsgi:application"}
    requirements: requirements.txt
    user: wsgi-blog
    group: wsgi-blog
  register: built

- name: Make it live
  wsgi.apache.app_release:
    root: /srv/wsgi-apache/blog
    state: live
    release: "{{ built.release }}"

- name: Back to the release before
  wsgi.apache.app_release:
    root: /srv/wsgi-apache/blog
    state: live
    release: previous
"""

RETURN = r"""
release:
  description: The release made or found (O(state=present)), or made live (O(state=live)).
  returned: success
  type: str
  sample: 20261128T101500Z-3f2a9c01b7de
created:
  description: With O(state=present), the release is new.
  returned: success
  type: bool
venv_created:
  description: With O(state=present), a virtualenv was made for it (no earlier release had its requirements).
  returned: success
  type: bool
first:
  description: With O(state=present), it is the app's first release, and went live at once.
  returned: success
  type: bool
live:
  description: The live release after the task.
  returned: success
  type: str
was:
  description: With O(state=live), the release that was live before (C(null) if none).
  returned: success
  type: str
previous:
  description: The release before the live one, which O(release=previous) goes back to.
  returned: success
  type: str
output:
  description: With O(state=run), what the commands printed, each after a line C($ COMMAND).
  returned: success
  type: str
removed:
  description: With O(state=pruned), the releases removed.
  returned: success
  type: list
  elements: str
"""

import base64
import functools
import grp
import inspect
import json
import os
import pwd
import shutil
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wsgi.apache.plugins.module_utils import apploader
from ansible_collections.wsgi.apache.plugins.module_utils.releases import (
    BUILD_LOG, CODE, COMMAND_TIMEOUT, ENV_FILE, IMPORT_TIMEOUT, RELEASE_LOG, VENV, ReleaseError, Releases,
    command_env, digest_of, import_error, new_id, run_checked, run_commands)


def runner(module):
    """How this module runs a command: run_command, with no expansion of ``$`` or ``~`` in its arguments."""
    return functools.partial(module.run_command, expand_user_and_vars=False)


def venv_key(module, releases, code):
    """The virtualenv a release needs: its requirements' content, the extra packages, the Python."""
    params = module.params
    if not params["requirements"] and not params["packages"]:
        return None
    content = None
    if params["requirements"]:
        requirements = os.path.join(code, params["requirements"])
        if not os.path.isfile(requirements):
            raise ReleaseError("requirements=%s is not a file of the app (%s)" % (params["requirements"], requirements))
        with open(requirements, "rb") as fh:
            content = fh.read().decode("utf-8", "replace")
    version = run_checked(runner(module), [params["python"], "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          "run %s" % params["python"]).strip()
    del releases
    return digest_of(dict(requirements=content, packages=params["packages"], packages_digest=params["packages_digest"],
                          python=os.path.realpath(params["python"]), version=version))[:16]


def build(module, releases, rid):
    """Complete the staged release: code, virtualenv, import check, files; then give it its name."""
    params = module.params
    staging = releases.staging(rid)
    code = os.path.join(staging, CODE)
    if params["path"]:
        os.symlink(params["path"], code)
    elif not os.path.isdir(code):
        raise ReleaseError("release %s has no code in %s" % (rid, code))
    link_shared(params, code)
    key = venv_key(module, releases, code)
    made = False
    python = params["python"]
    if key:
        requirements = os.path.join(code, params["requirements"]) if params["requirements"] else None
        made = releases.venv(key, params["python"], requirements, params["packages"],
                             functools.partial(run_checked, runner(module)))
        python = os.path.join(releases.venv_path(key), "bin", "python")
    gid = grp.getgrnam(params["group"]).gr_gid if params["group"] else -1
    now = time.time()
    record = dict(id=rid, digest=params["digest"],
                  created=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%06dZ" % int(now % 1 * 1e6),
                  entry=params["entry"], venv=key, code=params["path"] or None)
    if params["build_commands"]:
        build_commands(module, releases, rid, code, key and releases.venv_path(key), gid)
    if params["static_dirs"] and not params["path"]:
        carry_static(releases, code, params["static_dirs"])
    if params["check_import"] and params["entry"]:
        failed = check(module, python, code, staging, params["environment"], gid)
        if failed:
            releases.discard(rid)
            raise ReleaseError("release %s of %s fails its check (its load%s), so it does not go live: %s"
                               % (rid, params["root"], " and one request" if params["health"] else "", failed))
    releases.finish(rid, record, params["environment"], gid, key)
    return made


def link_shared(params, code):
    """The links O(links) asks for in the release's code (an empty directory there gives way)."""
    if params["links"] and params["path"]:
        raise ReleaseError("links=%s: an app given as path keeps its own directory, which is not changed"
                           % sorted(params["links"]))
    for relative, target in sorted(params["links"].items()):
        where = os.path.join(code, relative)
        if os.path.isdir(where) and not os.path.islink(where) and not os.listdir(where):
            os.rmdir(where)
        elif os.path.lexists(where):
            raise ReleaseError("links: %s is in the app's code already (%s): remove it from the code, or link "
                               "elsewhere" % (relative, where))
        os.makedirs(os.path.dirname(where), exist_ok=True)
        os.symlink(target, where)


def build_commands(module, releases, rid, code, venv, gid):
    """The app's build commands, in the staged release's code, as its user. The code is the user's for
    their time (copied code only: a path app's directory is its owner's), then root's again, with what
    they wrote; what they printed stays in the release."""
    params = module.params
    copied = not params["path"]
    if copied and params["user"]:
        _own(code, pwd.getpwnam(params["user"]).pw_uid, gid)
    try:
        transcript, failed = run_commands(runner(module), params["build_commands"], code, params["user"],
                                          command_env(params["environment"], code, venv),
                                          params["command_timeout"], "build")
    finally:
        if copied and params["user"]:
            _own(code, 0, 0)
    if failed:
        raise ReleaseError("release %s of %s is not built, so it does not go live: %s" % (rid, params["root"], failed))
    releases.keep_log(rid, BUILD_LOG, transcript, gid, staged=True)


def carry_static(releases, code, directories):
    """The live release's files in each static directory that the new release lacks, hard-linked into it:
    pages the old release serves while the new one goes live name them (hashed names, such as Django's
    ManifestStaticFilesStorage writes), and the new release serves them. A link (a shared directory) is not
    a release's own, and is left alone."""
    live = releases.live()
    if not live:
        return
    for directory in directories:
        old, new = os.path.join(releases.path(live), CODE, directory), os.path.join(code, directory)
        if os.path.islink(old) or os.path.islink(new) or not os.path.isdir(old):
            continue
        for top, dirs, files in os.walk(old):
            target = os.path.join(new, os.path.relpath(top, old))
            for name in files:
                source, dest = os.path.join(top, name), os.path.join(target, name)
                if os.path.lexists(dest) or os.path.islink(source):
                    continue
                os.makedirs(target, mode=0o755, exist_ok=True)
                try:
                    os.link(source, dest)
                except OSError:
                    shutil.copy2(source, dest)


def _own(tree, uid, gid):
    """Give a tree (not what its links point at) to uid:gid."""
    os.lchown(tree, uid, gid)
    for top, dirs, files in os.walk(tree):
        for name in dirs + files:
            os.lchown(os.path.join(top, name), uid, gid)


def check(module, python, code, staging, environment, gid, entry=None):
    """Load the app as its user, with the release's environment (written for the check, then removed)."""
    work = tempfile.mkdtemp(prefix=".check-", dir=staging)
    try:
        os.chmod(work, 0o750)
        os.chown(work, 0, gid)
        loader = os.path.join(work, "apploader.py")
        with open(loader, "w") as fh:
            fh.write(inspect.getsource(apploader))
        env_file = os.path.join(work, "env.json")
        with open(env_file, "w") as fh:
            fh.write(module.jsonify(environment))
        for name in (loader, env_file):
            os.chown(name, 0, gid)
            os.chmod(name, 0o640)
        return import_error(runner(module), loader, python, code, entry or module.params["entry"], env_file,
                            module.params["user"], timeout=module.params["check_timeout"], health=module.params["health"])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def present(module, releases):
    params = module.params
    if not params["digest"]:
        module.fail_json(msg="digest is missing: use app_release through its action plugin (wsgi.apache.app_release)")
    found = releases.find(params["digest"])
    result = dict(live=releases.live(), previous=releases.previous(), legacy=releases.legacy())
    if found:
        return dict(result, changed=False, release=found, created=False, venv_created=False, first=False)
    first = result["live"] is None and not result["legacy"]  # nothing serves the app yet
    if params["stage"] == "find":
        rid = new_id(params["digest"])
        if not module.check_mode:
            os.makedirs(releases.releases, mode=0o755, exist_ok=True)
            releases.begin(rid)
        return dict(result, changed=True, release=rid, created=True, venv_created=False, first=first,
                    staging=os.path.join(releases.staging(rid), CODE))
    rid = params["release"]
    try:
        made = build(module, releases, rid)
    except (ReleaseError, OSError):
        releases.discard(rid)  # nothing of a release that failed stays: its staging directory goes too
        raise
    if first:  # its first release goes live at once
        releases.switch(rid)
    return dict(result, changed=True, release=rid, created=True, venv_created=made, first=first)


def live(module, releases):
    wanted = module.params["release"]
    if not wanted:
        module.fail_json(msg="state=live needs release: a release id, or previous")
    if wanted == "previous":
        wanted = releases.previous()
        if wanted is None:
            module.fail_json(msg="%s has no previous release to go back to (releases: %s)"
                             % (module.params["root"], ", ".join(releases.ids()) or "none"))
    current = releases.live()
    if current == wanted and not releases.legacy():
        return dict(changed=False, release=wanted, live=current, was=current, previous=releases.previous())
    if module.check_mode:  # a release check mode would make does not exist: it would go live all the same
        return dict(changed=True, release=wanted, live=wanted, was=current, previous=current)
    was = releases.switch(wanted)
    return dict(changed=True, release=wanted, live=releases.live(), was=was, previous=releases.previous())


def run(module, releases):
    """The app's release commands, against one complete release (its code, environment, virtualenv);
    not again once the same commands succeeded against it. Then, with O(health), the release's check (its
    load and one request), which needs what the commands did (a migrated database), unless it is live."""
    params = module.params
    rid = params["release"]
    if module.check_mode:  # the release may be one check mode would make
        return dict(changed=bool(params["commands"]) and releases.released(rid) != params["commands"], release=rid)
    record = releases.read(rid) if rid else None
    if record is None:
        module.fail_json(msg="state=run needs release: one of %s's complete releases (%s), not %r"
                         % (params["root"], ", ".join(releases.ids()) or "none", rid))
    path = releases.path(rid)
    with open(os.path.join(path, ENV_FILE)) as fh:
        environment = json.load(fh)
    venv = os.path.join(path, VENV)
    venv = os.path.realpath(venv) if os.path.lexists(venv) else None
    code = os.path.join(path, CODE)
    gid = grp.getgrnam(params["group"]).gr_gid if params["group"] else -1
    transcript, changed = "", False
    already = releases.released(rid) == params["commands"]
    if params["ran_elsewhere"] and already:  # this host ran them, and checked the release after them
        return dict(changed=False, release=rid, output="")
    if params["ran_elsewhere"]:
        releases.mark_released(rid, params["commands"])
        changed = True
    elif not already:
        transcript, failed = run_commands(runner(module), params["commands"], code, params["user"],
                                          command_env(environment, code, venv), params["command_timeout"], "release")
        releases.keep_log(rid, RELEASE_LOG, transcript, gid)
        if failed:
            module.fail_json(msg="release %s of %s: %s" % (rid, params["root"], failed), output=transcript)
        releases.mark_released(rid, params["commands"])
        changed = True
    if params["health"] and params["check_import"] and record.get("entry") and releases.live() != rid:
        python = os.path.join(venv, "bin", "python") if venv else params["python"]
        failed = check(module, python, code, path, environment, gid, entry=record["entry"])
        if failed:
            module.fail_json(msg="release %s of %s fails its check (its load and one request) after its release "
                                 "commands, so it does not go live: %s" % (rid, params["root"], failed),
                             output=transcript)
    return dict(changed=changed, release=rid, output=transcript)


def pruned(module, releases):
    if module.check_mode:
        live_, previous = releases.live(), releases.previous()
        ids = releases.ids()
        removable = [rid for rid in ids if rid not in (live_, previous)]
        gone = removable[:max(0, len(ids) - module.params["keep"])]
        return dict(changed=bool(gone), removed=gone, live=live_, previous=previous)
    removed = releases.prune(module.params["keep"])
    return dict(changed=bool(removed), removed=removed, live=releases.live(), previous=releases.previous())


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "live", "run", "pruned"]),
            src=dict(type="path"),
            path=dict(type="str"),
            environment=dict(type="dict", default={}, no_log=True),
            environment_data=dict(type="str", no_log=True),
            entry=dict(type="dict", options=dict(
                type=dict(type="str", choices=["module", "script"], required=True),
                value=dict(type="str", required=True),
                callable=dict(type="str", default="application"))),
            user=dict(type="str"),
            group=dict(type="str"),
            python=dict(type="str", default="/usr/bin/python3"),
            requirements=dict(type="str"),
            packages=dict(type="list", elements="str", default=[]),
            packages_digest=dict(type="str", default=""),
            check_import=dict(type="bool", default=True),
            health=dict(type="dict", options=dict(path=dict(type="str", required=True),
                                                  host=dict(type="str", default="localhost"),
                                                  port=dict(type="int", default=80),
                                                  status=dict(type="list", elements="int", required=True))),
            check_timeout=dict(type="int", default=IMPORT_TIMEOUT),
            build_commands=dict(type="list", elements="str", default=[]),
            links=dict(type="dict", default={}),
            static_dirs=dict(type="list", elements="str", default=[]),
            commands=dict(type="list", elements="str", default=[]),
            ran_elsewhere=dict(type="bool", default=False),
            command_timeout=dict(type="int", default=COMMAND_TIMEOUT),
            release=dict(type="str"),
            keep=dict(type="int", default=5),
            digest=dict(type="str"),
            stage=dict(type="str", default="find", choices=["find", "build"]),
        ),
        mutually_exclusive=[("src", "path")],
        supports_check_mode=True,
    )
    if module.params["environment_data"]:
        module.params["environment"] = json.loads(base64.b64decode(module.params["environment_data"]))
    releases = Releases(module.params["root"])
    try:
        result = {"present": present, "live": live, "run": run, "pruned": pruned}[module.params["state"]](module, releases)
    except (ReleaseError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
