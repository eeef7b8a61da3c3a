"""Enabled by the test suite only (the Makefile's TEST_SPEEDUPS, with payload_cache): the Python code that Jinja
makes of each template and expression is kept in WSGIAH_PAYLOAD_CACHE/templates, keyed by everything it is
made from, and used again by the next process that compiles the same text.

ansible-playbook runs each task in a process forked for it, which compiles every template and expression of
the task anew (ansible-core keeps no compiled template, and the fork's compiles go when it exits): about half
of a worker's CPU on this machine, where a test run starts about 100 workers a play and 300 plays. The code
Jinja generates depends only on the text, the environment's syntax settings, ansible-core's compile-time
options, the releases of ansible-core, Jinja and Python, and the filter and test plugins (how each is called),
which the key holds; what runs is the same, only
its compile is saved (as tools/testhost_bytecode.py saves the test hosts' compiles of module payloads). When
ansible-core's internals are not the ones this knows (another release), it does nothing.
"""
import glob
import hashlib
import marshal
import os
import sys
import threading

import jinja2
from ansible import constants as C
from ansible import release
from ansible.plugins.callback import CallbackBase

ENV = "WSGIAH_PAYLOAD_CACHE"


def _install(directory):
    try:
        from ansible._internal._templating import _jinja_bits  # pylint: disable=import-outside-toplevel
        environment = _jinja_bits.AnsibleEnvironment
        fields = _jinja_bits._TEMPLATE_OVERRIDE_FIELD_NAMES
        compile_context = _jinja_bits._TemplateCompileContext
        config = _jinja_bits._TemplateConfig
    except (ImportError, AttributeError):
        return
    os.makedirs(directory, exist_ok=True)
    # Jinja's code passes a filter or test its context or environment as the function asks (pass_context...):
    # the collections' filter and test plugins as they are now (an edited one makes new keys).
    plugins = sorted((path, os.stat(path).st_mtime_ns, os.stat(path).st_size) for root in C.COLLECTIONS_PATHS
                     for kind in ("filter", "test")
                     for path in glob.glob(os.path.join(root, "ansible_collections", "*", "*", "plugins", kind, "*.py")))
    fixed = (release.__version__, jinja2.__version__, sys.version, environment.__qualname__, plugins)
    expression = threading.local()
    compile_source = environment.compile
    compile_expression = environment.compile_expression

    def key(env, source, name, filename, defer_init):
        if isinstance(source, str):
            text = ("template", str(source))
        elif getattr(expression, "source", None) is not None:
            text = ("expression", expression.source)
        else:
            return None
        context = compile_context.current(optional=True)
        settings = (tuple(repr(getattr(env, field)) for field in fields), env.optimized, sorted(env.extensions),
                    getattr(config, "allow_embedded_templates", None),
                    context.escape_backslashes if context else None)
        return hashlib.sha256(repr((fixed, settings, text, name, filename, defer_init)).encode()).hexdigest()

    def cached_compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        # raw (Jinja's Python source, not code) is only asked for by tools such as compile_templates
        digest = None if raw else key(self, source, name, filename, defer_init)
        if digest is None:
            return compile_source(self, source, name, filename, raw, defer_init)
        path = os.path.join(directory, digest)
        try:
            with open(path, "rb") as kept:
                return marshal.loads(kept.read())
        except (OSError, ValueError, EOFError, TypeError):
            pass
        made = compile_source(self, source, name, filename, False, defer_init)
        temporary = f"{path}.{os.getpid()}"
        try:
            with open(temporary, "wb") as out:
                out.write(marshal.dumps(made))
            os.replace(temporary, path)
        except (OSError, ValueError):
            pass
        return made

    def cached_compile_expression(self, source, *args, **kwargs):
        expression.source = str(source)
        try:
            return compile_expression(self, source, *args, **kwargs)
        finally:
            expression.source = None

    environment.compile = cached_compile
    environment.compile_expression = cached_compile_expression


class CallbackModule(CallbackBase):
    """Makes this process's Jinja compiles use the shared directory; prints nothing."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "template_cache"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        shared = os.environ.get(ENV)
        if shared:
            _install(os.path.join(shared, "templates"))
