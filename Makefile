# gov-assistant: the two commands are `make demo` (set up, ingest the demo knowledge base, serve)
# and `make test` (every test). Everything installs into .venv/ from PyPI packages; nothing is
# downloaded at run time.
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# A portable x86-64-v3 build (AVX2/FMA), not -march=native: on a CPU with AMX (recent Xeons, as in
# CI here) the native build's AMX weight buffers crash in decode (segmentation fault on any prompt
# longer than one token), and a native wheel cached by pip would not run on another machine.
LLAMA_CMAKE_ARGS := -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF \
	-DLLAMA_BUILD_SERVER=OFF -DLLAVA_BUILD=OFF -DLLAMA_CURL=OFF
ifeq ($(shell uname -m),x86_64)
LLAMA_CMAKE_ARGS += -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
endif

.PHONY: install demo serve test lint clean

$(BIN)/govassist: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU torch first, from the local wheel: anything that pulls torch later is then satisfied.
	$(BIN)/pip install --quiet torch==2.13.0
	# llama-cpp-python builds from source: only the library, on every core (cached by pip afterwards).
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(BIN)/pip install --quiet -e '.[dev,llm]'
	touch $@

install: $(BIN)/govassist

demo: install
	HOST=$(HOST) PORT=$(PORT) bash scripts/demo.sh

serve: install
	$(BIN)/govassist serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Chromium and PostgreSQL for the browser and database tests (installed if missing, as root).
# Coverage of assistant/ and ingest/ ([tool.coverage] in pyproject.toml): the files below 100 %, then the total.
test: lint
	GOVASSIST_TEST_POSTGRES_URL="$$(bash scripts/test-services.sh)" $(BIN)/pytest --cov --cov-report=term:skip-covered
	@echo "Coverage (assistant/, ingest/): $$($(BIN)/coverage report --format=total) %"

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
