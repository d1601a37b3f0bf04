# The README's two commands: `make demo` and `make test`. Both set up .venv first.
# demo needs only the base install (no Qt, no Ray); test adds the extras whose tests run in CI.
VENV := .venv
PY := $(VENV)/bin/python
SAMPLE := sample/sample.mkv
TEST_EXTRAS := dev,eval,gui,ray

.PHONY: setup setup-dev demo test clean

setup:
	@scripts/bootstrap.sh

setup-dev:
	@scripts/bootstrap.sh $(TEST_EXTRAS)

demo: setup
	@$(PY) scripts/make_sample.py $(SAMPLE) --size 320x180 --seconds 4
	@$(VENV)/bin/ainimotion enhance $(SAMPLE) --preset fast --out sample/sample_enhanced.mkv --overwrite
	@echo "demo: wrote sample/sample_enhanced.mkv"

# Qt draws offscreen so the GUI tests run without a display (CI, ssh).
test: setup-dev
	@QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(PY) -m pytest -q

clean:
	rm -rf $(VENV) sample out .pytest_cache
