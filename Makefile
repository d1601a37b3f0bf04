# The README's two commands: `make demo` and `make test`. Both set up .venv first.
VENV := .venv
PY := $(VENV)/bin/python
SAMPLE := sample/sample.mkv

.PHONY: setup setup-dev demo test clean

setup:
	@scripts/bootstrap.sh dev

demo: setup
	@$(PY) scripts/make_sample.py $(SAMPLE) --size 320x180 --seconds 4
	@$(VENV)/bin/ainimotion enhance $(SAMPLE) --preset fast --out sample/sample_enhanced.mkv --overwrite
	@echo "demo: wrote sample/sample_enhanced.mkv"

test: setup
	@$(PY) -m pytest -q

clean:
	rm -rf $(VENV) sample out .pytest_cache
