# The two commands of README.md:
#   make deploy   deploy the sample onto INVENTORY, or onto a local throwaway test host
#   make test     everything CI runs: set-up, lint, docs, unit, sanity, package, Molecule, integration
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV := $(CURDIR)/.venv
# The tools' virtualenv is Debian's Python's (python3-venv): a play costs this machine less CPU under it than
# under a Python built as pyenv builds by default (docs/testing.md, "Where the time goes").
PYTHON ?= /usr/bin/python3
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.collections
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0
# Ansible's own files (local tmp, ssh control sockets, Molecule's scenario directories, what ansible-lint
# installs) go into the checkout, not ~/.ansible; a socket's path must stay under the 108 bytes of a unix
# socket, else they go to /run. The tasks that run on this machine make their temporary files there too
# (tools/ansible_vars/controller_tmp.py), and the tools' caches (pip's, ansible-lint's) are build/cache.
export ANSIBLE_HOME := $(CURDIR)/build/ansible-home
export ANSIBLE_SSH_CONTROL_PATH_DIR := $(shell d='$(ANSIBLE_HOME)/cp'; [ $${#d} -le 72 ] && echo "$$d" || echo /run/wsgi-apache-cp)
export ANSIBLE_VARS_PLUGINS := $(CURDIR)/tools/ansible_vars
export ANSIBLE_VARS_ENABLED := host_group_vars,controller_tmp
export XDG_CACHE_HOME := $(CURDIR)/build/cache
# One build cache of mod_wsgi for what needs test hosts (Molecule and every integration group), emptied
# when such a run starts: what one group compiles, the others copy.
TEST_BUILD_CACHE := $(CURDIR)/build/test-cache/mod_wsgi
WITH_FRESH_BUILD_CACHE := rm -rf $(TEST_BUILD_CACHE) && mkdir -p $(TEST_BUILD_CACHE) && WSGI_APACHE_TEST_BUILD_CACHE=$(TEST_BUILD_CACHE)
# What makes the test suite's runs cheaper without changing what they run: the test hosts keep the bytecode
# Python compiles from Ansible's module payloads (tools/testhost_bytecode.py: half of a module run's CPU there),
# and ansible-playbook here keeps the payloads for the next play (tools/ansible_callbacks/payload_cache.py: a
# quarter of a play's CPU here) and the code Jinja makes of each template (template_cache.py: 4-8 % of a
# play's CPU here); both emptied when a run starts. Its own process loads the filter and test plugins before it
# forks a process per task (plugin_preload.py: 15 % of a play's CPU here). The benchmarks and make deploy have
# none of them, as a user's runs have not.
PAYLOAD_CACHE := $(CURDIR)/build/test-cache/ansiballz
TEST_SPEEDUPS := WSGIAH_MODULE_BYTECODE=1 WSGIAH_PAYLOAD_CACHE=$(PAYLOAD_CACHE) \
  ANSIBLE_CALLBACK_PLUGINS=$(CURDIR)/tools/ansible_callbacks ANSIBLE_CALLBACKS_ENABLED=payload_cache,template_cache,plugin_preload
FRESH_PAYLOAD_CACHE := rm -rf $(PAYLOAD_CACHE) &&
APT_INSTALL := apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
HOST_PACKAGES := debootstrap nftables iproute2 openssh-client curl openssl rsync tar gzip wrk
SCENARIOS := mod_wsgi mod_wsgi_releases site express

# Files made from another source (make generate writes them; make lint fails when one differs).
GENERATORS := tools/argspecs.py tools/app_keys.py tools/role_readmes.py tools/platforms.py tools/release_notes.py tools/express_upstream.py
DOCS := $(CURDIR)/build/docs
ANTSIBULL_DOCS_CFG := $(CURDIR)/docs/site/antsibull-docs.cfg
COLLECTION := $(CURDIR)/.collections/ansible_collections/wsgi/apache

.PHONY: test checks-then-hosts setup deploy lint generate docs release-notes release quick unit upstream sanity package hosts molecule integration bench-serving bench-express bench-converge bench-tune bench-deploy bench-libpython stop-hosts clean

# Sanity (two releases at a time) beside the rest: lint, docs, unit, upstream and package (mostly one core)
# at the same time as the test hosts' images of a machine that has none yet (mostly downloads), then what
# needs test hosts, which so starts while sanity ends (on a machine without a Python for ansible-core 2.20 and
# newer, sanity runs those on a trixie test host, once that image is built: it ended minutes after the rest).
test: setup
	$(VENV)/bin/python tools/together.py \
	  "sanity=$(MAKE) --no-print-directory sanity" \
	  "checks+hosts=$(MAKE) --no-print-directory checks-then-hosts"
	@echo "make test: all stages passed"

checks-then-hosts: setup
	$(VENV)/bin/python tools/together.py \
	  "checks=$(MAKE) --no-print-directory lint docs unit upstream package" \
	  "images=$(PYTHON) tools/testhost.py image --all"
	$(MAKE) --no-print-directory hosts

setup: $(VENV)/.installed .collections/ansible_collections/wsgi/apache
	@[ "$$(id -u)" = 0 ] || { echo "make test needs root (namespaces, mounts, veth for the test hosts)"; exit 1; }
	@missing=""; for p in $(HOST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; $(APT_INSTALL) $$missing >/dev/null; fi

$(VENV)/.installed: requirements/test.txt
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { [ "$$(id -u)" = 0 ] || { echo "$(PYTHON) has no venv module: install python3-venv (apt-get install python3-venv, as root)"; exit 1; }; \
	  echo "installing: python3-venv"; $(APT_INSTALL) python3-venv >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements/test.txt
	touch $@

.collections/ansible_collections/wsgi/apache:
	mkdir -p $(@D)
	ln -sfn ../../.. $@

deploy: setup
	$(VENV)/bin/python tools/deploy.py $(if $(INVENTORY),--inventory $(INVENTORY))

# ansible-lint --strict: a warning fails too (the production profile must pass, not only "min").
# The changelog fragments and changelog.yaml must lint, and every generated file be what its source gives.
lint: setup
	yamllint -s .
	ansible-lint --strict
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	for g in $(GENERATORS); do $(VENV)/bin/python $$g --check; done

# Rewrite the generated files: the site role's daemon-option lines (from the option table), the
# role READMEs and README.md's role examples (from argument_specs and examples/roles/), the platform
# lists (from plugins/module_utils/platforms.py), CHANGELOG.md (from changelogs/changelog.yaml), the
# migration guide's option table (from mod_wsgi-express's options, tests/unit/server_pkg/*.json).
generate: setup
	for g in $(GENERATORS); do $(VENV)/bin/python $$g; done

# The docs site (build/docs/build/html) from the modules', filters' and roles' own documentation;
# antsibull-docs lints them first, and Sphinx treats a warning as an error.
docs: setup
	cd $(COLLECTION) && antsibull-docs --config-file $(ANTSIBULL_DOCS_CFG) lint-collection-docs --plugin-docs --validate-collection-refs all .
	rm -rf $(DOCS) && mkdir -p $(DOCS)/rst && cp docs/site/index.rst $(DOCS)/rst/
	antsibull-docs --config-file $(ANTSIBULL_DOCS_CFG) collection --use-current --dest-dir $(DOCS)/rst wsgi.apache
	sphinx-build -M html $(DOCS)/rst $(DOCS)/build -c docs/site -q -W --keep-going
	@echo "make docs: $(DOCS)/build/html/index.html"

# build/release-notes.md: CHANGELOG.md as the next release would write it (see docs/releasing.md).
release-notes: setup
	$(VENV)/bin/python tools/release_notes.py --preview

# Record the release of galaxy.yml's version in changelogs/changelog.yaml (consumes the fragments).
release: setup
	antsibull-changelog release --reload-plugins
	rm -f changelogs/.plugin-cache.yaml

# The loop between edits, and the unit stage: offline and without root (a first run makes the venv).
quick: $(VENV)/.installed .collections/ansible_collections/wsgi/apache
	pytest -q -m "unit and not slow" tests/unit

unit: $(VENV)/.installed .collections/ansible_collections/wsgi/apache
	pytest -q tests/unit

# mod_wsgi-express's options in the unit tests' fixture are those of its sdist on the package index.
upstream: setup
	$(VENV)/bin/python tools/express_upstream.py --check-upstream

# ansible-test sanity with every ansible-core release of tests/ansible_cores.yml, each on a Python
# it supports (tools/sanity.py).
sanity: setup
	$(VENV)/bin/python tools/sanity.py --jobs 2

# The tarball as ansible-galaxy builds it: what it holds, Galaxy's importer, an execution environment.
package: setup
	pytest -q tests/package

molecule: setup
	$(FRESH_PAYLOAD_CACHE) $(WITH_FRESH_BUILD_CACHE) $(TEST_SPEEDUPS) bash -c 'for s in $(SCENARIOS); do molecule test -s $$s || exit 1; done'

integration: setup
	$(FRESH_PAYLOAD_CACHE) $(TEST_SPEEDUPS) pytest -q -x --durations=25 tests/integration

# What needs test hosts, at once in three groups of about the same length (each module's cost is printed at
# the end of its group; docs/testing.md keeps the table), so that the 2 cores stay busy to the end: Molecule
# then test_site_role, test_acme and test_reloads, and the integration tests in two groups, each its longest
# module first, but for test_build_cache, first in group a: it compiles into build caches of its own, and the
# Galaxy test's first converge, next, then finds the common build that test_releases' first play compiled in
# the run's cache (first in group a, it compiled the same build at the same time). Four groups took longer:
# the tests' paced load runs as long as a play does, so its CPU grows with the wait for a core. Their hosts
# have names of their own; each group's output is shown whole when it ends. The test-host tool's own tests run
# last, alone: they check that nothing of ours is left.
INTEGRATION_M := $(addprefix tests/integration/,test_site_role.py test_acme.py test_reloads.py)
INTEGRATION_A := $(addprefix tests/integration/,test_build_cache.py test_galaxy.py test_fleet.py test_python_role.py)
INTEGRATION_B := $(addprefix tests/integration/,test_releases.py test_express.py test_django.py test_mod_wsgi_role.py)
INTEGRATION_LAST := tests/integration/test_testhosts.py
# and every other module, last in the third group
INTEGRATION_REST := $(filter-out $(INTEGRATION_M) $(INTEGRATION_A) $(INTEGRATION_B) $(INTEGRATION_LAST),$(sort $(wildcard tests/integration/test_*.py)))
hosts: setup
	$(FRESH_PAYLOAD_CACHE) $(WITH_FRESH_BUILD_CACHE) $(TEST_SPEEDUPS) $(VENV)/bin/python tools/together.py \
	  "molecule+site=for s in $(SCENARIOS); do molecule test -s \$$s || exit 1; done && pytest -q -x --durations=15 $(INTEGRATION_M)" \
	  "integration-a=pytest -q -x --durations=15 $(INTEGRATION_A)" \
	  "integration-b=pytest -q -x --durations=15 $(INTEGRATION_B) $(INTEGRATION_REST)"
	pytest -q -x --durations=5 $(INTEGRATION_LAST)

# Benchmarks (bench/, docs/benchmarks.md): on demand, never part of `make test`.
bench-serving: setup
	$(VENV)/bin/python bench/serving.py $(BENCH_ARGS)

bench-express: setup
	$(VENV)/bin/python bench/express.py $(BENCH_ARGS)

bench-converge: setup
	$(VENV)/bin/python bench/converge.py $(BENCH_ARGS)

bench-tune: setup
	$(VENV)/bin/python bench/tune.py $(BENCH_ARGS)

bench-deploy: setup
	$(VENV)/bin/python bench/deploy.py $(BENCH_ARGS)

bench-libpython: setup
	$(VENV)/bin/python bench/libpython.py $(BENCH_ARGS)

stop-hosts:
	$(PYTHON) tools/testhost.py stop-all

clean: stop-hosts
	rm -rf build .collections $(VENV)
