# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: wall time per converge phase and per task, and which hosts ran the compiler.

Each task's wall time (from its start to the next task's start, across all hosts) goes to a
phase chosen by its name. The record is written as JSON to $BENCH_PHASES_FILE at the end.
"""
from __future__ import annotations

import json
import os
import re
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: phase_times
type: aggregate
short_description: wall time per converge phase (benchmarks only)
description: Writes the seconds spent in packages, source fetch, compile and configuration to $BENCH_PHASES_FILE.
"""

PHASES = (
    ("packages", re.compile(r"Refresh the package lists|Find which packages|Ask apt which|Install packages|virtualenv|wsgi-express into")),
    ("source fetch", re.compile(r"Download the|Copy the tarball")),
    ("compile", re.compile(r"Remove the previous build tree|Create the build tree|Unpack the source|"
                           r"Configure (mod_wsgi|Python)|Compile (mod_wsgi|Python)|Install into the prefix")),
    ("from the build cache", re.compile(r"cached|Unpack the archive|Install the libraries the build links")),
)
COMPILER = re.compile(r"Compile (mod_wsgi|Python)")


def phase_of(name):
    return next((phase for phase, pattern in PHASES if pattern.search(name)), "configuration")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "phase_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.phases = {}
        self.tasks = {}
        self.compiled_on = []
        self.current = None

    def _close(self):
        if self.current:
            name, started = self.current
            seconds = time.monotonic() - started
            self.phases[phase_of(name)] = self.phases.get(phase_of(name), 0.0) + seconds
            self.tasks[name] = self.tasks.get(name, 0.0) + seconds
        self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.current = (task.get_name(), time.monotonic())

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_runner_on_ok(self, result):
        if COMPILER.search(result._task.get_name()) and result._result.get("changed"):
            self.compiled_on.append(result._host.get_name())

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get("BENCH_PHASES_FILE")
        if path:
            with open(path, "w") as out:
                json.dump({"phases": self.phases, "tasks": self.tasks, "compiled_on": self.compiled_on}, out)
