# signbatch — see README.md. Every target works on a fresh machine with the Swift
# toolchain and libxml2-dev.
SWIFT   ?= swift
PREFIX  ?= /usr/local
RELEASE := .build/release/signbatch
# The Swift runtime and Foundation linked into the binary: it runs without the toolchain's
# shared libraries, maps ~6 MB less, and calls retain/release directly rather than through
# the PLT (measured ~6% less CPU). Debug and test builds stay dynamic.
RELEASE_FLAGS := -c release --product signbatch --static-swift-stdlib

.PHONY: all build run test bench fuzz install clean

all: build

build:
	$(SWIFT) build $(RELEASE_FLAGS)

run: build
	$(RELEASE) run Input --output Output

test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Generates benchmark batches under bench-data/ (once per seed), times signbatch on them
# and prints median wall time, rows/s and peak RSS. REPEAT, BENCH_XML, BENCH_ONLY: see
# Scripts/bench/run.sh.
bench: build
	SIGNBATCH=$(CURDIR)/$(RELEASE) Scripts/bench/run.sh

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(RELEASE) $(DESTDIR)$(PREFIX)/bin/signbatch

# Removes build products and generated outputs, never the ledger.
clean:
	rm -rf .build .build-* bench-data fuzz-out
	@if [ -d Output ]; then \
		find Output -mindepth 1 -maxdepth 1 ! -name 'ledger.sqlite*' -exec rm -rf {} +; \
	fi

# libFuzzer on each target for FUZZ_SECONDS (default 600 = 10 minutes per target).
# New inputs go to fuzz-out/TARGET, crashes to fuzz-out/; copy a crash into
# Tests/SignBatchTests/Fuzz/Regressions/TARGET/ to keep it as a regression test.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= csv xml normalizer
FUZZER_LIB := $(shell find $(dir $(realpath $(shell which swift)))../lib -name 'libclang_rt.fuzzer_no_main-x86_64.a' 2>/dev/null | head -1)
FUZZ_BUILD_FLAGS := --scratch-path .build-fuzz --product signbatch-fuzz \
	-Xswiftc -sanitize=address \
	-Xswiftc -Xfrontend -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
	-Xswiftc -DSIGNBATCH_FUZZ -Xlinker $(FUZZER_LIB) -Xlinker -lstdc++

fuzz:
	$(SWIFT) build $(FUZZ_BUILD_FLAGS)
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p fuzz-out/$$target; \
		echo "fuzzing $$target for $(FUZZ_SECONDS) s"; \
		SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=malloc_context_size=0 .build-fuzz/debug/signbatch-fuzz $$target \
			fuzz-out/$$target Tests/SignBatchTests/Fuzz/Corpus/$$target \
			-max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix=fuzz-out/$$target- -print_final_stats=1 > fuzz-out/$$target.log 2>&1; \
		status=$$?; tail -n 12 fuzz-out/$$target.log; [ $$status -eq 0 ] || exit $$status; \
	done
