# The two commands: `make run` brings the whole extranet up on this machine,
# `make test` runs every test. Both install what they need into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := lib/extranet-common services/identity services/planning \
	services/timesheets services/notifications services/requests gateway deploy
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
STAMP := $(VENV)/.installed

.PHONY: run test lint format install clean

install: $(STAMP)

$(STAMP): $(PYPROJECTS) requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(addprefix -e ,$(PACKAGES)) \
		-r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	./deploy/ensure-servers.sh rabbitmq
	$(BIN)/python -m extranet_dev.run

test: $(STAMP)
	./deploy/ensure-servers.sh rabbitmq-management postgresql
	@# The browser tests drive Debian's Chromium (Playwright never downloads one).
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] \
		&& { apt-get install -y -qq chromium >/dev/null 2>&1 \
			|| { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }; } \
		|| echo "Chromium missing: run 'sudo apt-get install chromium' (the browser tests are skipped without it)."; }
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) data test-artifacts
