# The two commands a newcomer runs: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 /root/.pyenv/versions/3.12*/bin/python3.12; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OUTBREAKHQ_TEST_PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

HTMX_VERSION := 2.0.11
CYTOSCAPE_VERSION := 3.35.0
VEGA_VERSION := 6.4.0
VEGA_LITE_VERSION := 6.5.0
VEGA_INTERPRETER_VERSION := 2.3.2
ZXING_VERSION := 0.23.0

.PHONY: demo test setup browser lint vendor messages bench clean loadtest

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (Django 6)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium and the CJK font for browser tests and PDF reports (installed when root).
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-noto-cjk gettext >/dev/null; \
	  else echo "NOTICE: Chromium missing and not root: browser tests will be skipped."; fi; \
	fi

# The demo runs the production server with the random secret every command keeps in
# var/secret_key (written, mode 0600, the first time; see src/outbreakhq/production.py).
demo: setup
	$(BIN)/outbreakhq demo

test: setup browser
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m tests.run

lint: setup
	$(BIN)/ruff check src tests bench

# Compile the translations (msgfmt from Debian's gettext).
messages: setup
	cd src/outbreakhq && ../../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete \
	  && ../../$(BIN)/django-admin compilemessages

# Re-create the vendored front-end files from the npm registry (no CDN at run time).
vendor:
	rm -rf /tmp/outbreakhq-vendor && mkdir -p /tmp/outbreakhq-vendor
	cd /tmp/outbreakhq-vendor && npm pack --silent htmx.org@$(HTMX_VERSION) && tar xzf htmx.org-*.tgz
	mkdir -p src/outbreakhq/static/vendor/htmx-$(HTMX_VERSION)
	cp /tmp/outbreakhq-vendor/package/dist/htmx.min.js /tmp/outbreakhq-vendor/package/LICENSE \
	  src/outbreakhq/static/vendor/htmx-$(HTMX_VERSION)/
	rm -rf /tmp/outbreakhq-vendor/package
	cd /tmp/outbreakhq-vendor && npm pack --silent cytoscape@$(CYTOSCAPE_VERSION) && tar xzf cytoscape-*.tgz
	mkdir -p src/outbreakhq/static/vendor/cytoscape-$(CYTOSCAPE_VERSION)
	cp /tmp/outbreakhq-vendor/package/dist/cytoscape.min.js /tmp/outbreakhq-vendor/package/LICENSE \
	  src/outbreakhq/static/vendor/cytoscape-$(CYTOSCAPE_VERSION)/
	# The command centre's charts: Vega-Lite compiled to Vega, expressions evaluated by
	# vega-interpreter (the CSP allows no eval); its ES module made a classic script on window.vega.
	for p in vega@$(VEGA_VERSION) vega-lite@$(VEGA_LITE_VERSION) vega-interpreter@$(VEGA_INTERPRETER_VERSION); do \
	  rm -rf /tmp/outbreakhq-vendor/package && cd /tmp/outbreakhq-vendor && npm pack --silent $$p \
	  && tar xzf $${p%@*}-$${p#*@}.tgz && cd - >/dev/null \
	  && mkdir -p src/outbreakhq/static/vendor/$${p%@*}-$${p#*@} \
	  && cp /tmp/outbreakhq-vendor/package/LICENSE src/outbreakhq/static/vendor/$${p%@*}-$${p#*@}/ || exit 1; \
	  case $$p in \
	    vega-interpreter@*) sed -e "s/^import { \(.*\) } from 'vega-util';/(function () { const { \1 } = window.vega;/" \
	      -e "s/^export { expression as expressionInterpreter };/window.vegaInterpreter = { expressionInterpreter: expression }; })();/" \
	      /tmp/outbreakhq-vendor/package/build/vega-interpreter.js \
	      > src/outbreakhq/static/vendor/$${p%@*}-$${p#*@}/vega-interpreter.js ;; \
	    *) cp /tmp/outbreakhq-vendor/package/build/$${p%@*}.min.js src/outbreakhq/static/vendor/$${p%@*}-$${p#*@}/ ;; \
	  esac; \
	done
	# Camera scanning where the browser has no BarcodeDetector (iPhones): ZXing's UMD build,
	# plain JavaScript (no WebAssembly, so the CSP needs no 'wasm-unsafe-eval'), on window.ZXing.
	rm -rf /tmp/outbreakhq-vendor/package
	cd /tmp/outbreakhq-vendor && npm pack --silent @zxing/library@$(ZXING_VERSION) && tar xzf zxing-library-$(ZXING_VERSION).tgz
	mkdir -p src/outbreakhq/static/vendor/zxing-library-$(ZXING_VERSION)
	cp /tmp/outbreakhq-vendor/package/umd/index.min.js \
	  src/outbreakhq/static/vendor/zxing-library-$(ZXING_VERSION)/zxing-library.min.js
	cp /tmp/outbreakhq-vendor/package/LICENSE src/outbreakhq/static/vendor/zxing-library-$(ZXING_VERSION)/
	# Source maps are not shipped: a file naming a missing map fails `collectstatic` (serve).
	sed -i '/^\/\/# sourceMappingURL=/d' src/outbreakhq/static/vendor/vega*/*.js \
	  src/outbreakhq/static/vendor/zxing-library-*/*.js

bench: setup
	$(BIN)/pip install --quiet -e '.[bench]'
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

# 50 users doing a day's work against `outbreakhq serve` on loopback (bench/load/, docs/benchmarks.md):
# load the demo first (`outbreakhq demo --no-serve`); LOAD_ARGS="--minutes 10 --users 80" to change.
loadtest: setup
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/load/run.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var
