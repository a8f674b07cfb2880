# The two commands of the quick start:
#   make run   installs what is needed, builds (release), loads a demo community and shows it
#   make test  installs, builds with ASan+UBSan and runs every test through ctest
.PHONY: run test deps build build-test bench clean demo

JOBS ?= $(shell nproc)
# ccache keys on paths relative to the checkout, so any clone reuses the cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
RELEASE_DIR := build/release
TEST_DIR := build/test
DEMO_DIR ?= demo-data
QUN := $(RELEASE_DIR)/qun
# Inline moderation of the demo (docs/moderation.md#ingest-hook), when present.
LEXICON ?= ../shared/data/lexicon

deps:
	bash scripts/install-deps

build: deps
	cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DQUN_SANITIZE=OFF >/dev/null
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target qun

build-test: deps
	cmake -S . -B $(TEST_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" -DQUN_SANITIZE=ON >/dev/null
	cmake --build $(TEST_DIR) -j $(JOBS)

test: build-test
	cd $(TEST_DIR) && ctest -j $(JOBS) --output-on-failure --timeout 900

demo: build
	@mkdir -p $(DEMO_DIR)
	$(QUN) gen --seed 42 --members 3000 --days 120 --communities 6 --tz Asia/Shanghai --out $(DEMO_DIR)/events.ndjson
	@if [ -d "$(LEXICON)" ]; then $(QUN) moderation enable --data-dir $(DEMO_DIR)/store --lexicon $(LEXICON); \
	  else echo "no lexicon at $(LEXICON): demo without inline moderation"; fi
	$(QUN) import --data-dir $(DEMO_DIR)/store $(DEMO_DIR)/events.ndjson
	$(QUN) stats --data-dir $(DEMO_DIR)/store

run: demo
	@if $(QUN) serve --help >/dev/null 2>&1; then \
	  $(QUN) serve --data-dir $(DEMO_DIR)/store --listen 127.0.0.1:$${PORT:-8080} --print-admin-token; \
	fi

bench: build
	bash bench/run-all.sh

clean:
	rm -rf build $(DEMO_DIR)
