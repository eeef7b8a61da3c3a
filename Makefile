# The two commands of README.md:
#   make deploy   deploy the sample onto INVENTORY, or onto a local throwaway test host
#   make test     everything CI runs: set-up, lint, unit, sanity, Molecule, integration
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV := $(CURDIR)/.venv
SANITY_VENV := $(CURDIR)/.venv-sanity
PYTHON ?= python3
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.collections
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0
HOST_PACKAGES := debootstrap nftables iproute2 openssh-client curl rsync tar gzip wrk
# One copy per checkout (named by its path's digest), so that two checkouts' test runs do not share it.
SANITY_ROOT := $(or $(TMPDIR),/tmp)/wsgi-apache-sanity-$(shell printf %s '$(CURDIR)' | sha256sum | cut -c1-12)/ansible_collections/wsgi/apache
SCENARIOS := mod_wsgi mod_wsgi_releases site express

DOCS := $(CURDIR)/build/docs
COLLECTION := $(CURDIR)/.collections/ansible_collections/wsgi/apache

.PHONY: test setup deploy lint docs release-notes release argspecs unit sanity molecule integration bench-serving bench-express bench-converge bench-tune bench-deploy bench-libpython stop-hosts clean

test: setup lint docs unit sanity molecule integration
	@echo "make test: all stages passed"

setup: $(VENV)/.installed .collections/ansible_collections/wsgi/apache
	@[ "$$(id -u)" = 0 ] || { echo "make test needs root (namespaces, mounts, veth for the test hosts)"; exit 1; }
	@missing=""; for p in $(HOST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -q >/dev/null; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; fi

$(VENV)/.installed: requirements/test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements/test.txt
	touch $@

.collections/ansible_collections/wsgi/apache:
	mkdir -p $(@D)
	ln -sfn ../../.. $@

deploy: setup
	$(VENV)/bin/python tools/deploy.py $(if $(INVENTORY),--inventory $(INVENTORY))

# ansible-lint --strict: a warning fails too (the production profile must pass, not only "min").
# The changelog fragments and changelog.yaml must lint, and CHANGELOG.md be what they give.
lint: setup
	yamllint -s .
	ansible-lint --strict
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	$(VENV)/bin/python tools/release_notes.py --check
	$(VENV)/bin/python tools/argspecs.py --check

# The docs site (build/docs/build/html) from the modules', filters' and roles' own documentation;
# antsibull-docs lints them first, and Sphinx treats a warning as an error.
docs: setup
	cd $(COLLECTION) && antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all .
	rm -rf $(DOCS) && mkdir -p $(DOCS)/rst && cp docs/site/index.rst $(DOCS)/rst/
	antsibull-docs --config-file docs/site/antsibull-docs.cfg collection --use-current --dest-dir $(DOCS)/rst wsgi.apache
	sphinx-build -M html $(DOCS)/rst $(DOCS)/build -c docs/site -q -W --keep-going
	@echo "make docs: $(DOCS)/build/html/index.html"

# CHANGELOG.md with the next version's notes, from changelogs/fragments (see docs/releasing.md).
release-notes: setup
	$(VENV)/bin/python tools/release_notes.py

# Record the release of galaxy.yml's version in changelogs/changelog.yaml (consumes the fragments).
release: setup
	antsibull-changelog release --reload-plugins
	rm -f changelogs/.plugin-cache.yaml

# The site role's daemon-option lines in meta/argument_specs.yml, from the option table.
argspecs: setup
	$(VENV)/bin/python tools/argspecs.py

unit: setup
	pytest -q tests/unit

# ansible-test wants the collection under ansible_collections/NS/NAME: sanity runs on a copy of
# the files git knows.
# Its --venv mode downloads a pip bootstrap script from outside the package registries, so it
# runs --local in a venv of its own, where --requirements installs its pinned test tools.
sanity: setup $(SANITY_VENV)/.installed
	rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_ROOT)
	git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ $(SANITY_ROOT)/
	cd $(SANITY_ROOT) && PATH=$(SANITY_VENV)/bin:$$PATH ansible-test sanity --local --requirements --python 3.11 --color no

$(SANITY_VENV)/.installed: requirements/test.txt tools/ansible_test_get_pip.py
	$(PYTHON) -m venv $(SANITY_VENV)
	$(SANITY_VENV)/bin/pip install -q $$(grep '^ansible-core==' requirements/test.txt)
	pip_version=$$(grep -oP "pip='\K[0-9.]+" $(SANITY_VENV)/lib/python*/site-packages/ansible_test/_internal/python_requirements.py); \
	mkdir -p $(HOME)/.ansible/test/cache; \
	cp tools/ansible_test_get_pip.py $(HOME)/.ansible/test/cache/get_pip_$${pip_version//./_}.py
	touch $@

molecule: setup
	for s in $(SCENARIOS); do molecule test -s $$s; done

integration: setup
	pytest -q -x --durations=25 tests/integration

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
	rm -rf build .collections $(VENV) $(SANITY_VENV)
