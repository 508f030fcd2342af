# signbatch — see README.md. Every target works on a fresh machine with the Swift
# toolchain and libxml2-dev.
SWIFT   ?= swift
PREFIX  ?= /usr/local
RELEASE := .build/release/signbatch

.PHONY: all build run test bench fuzz install clean

all: build

build:
	$(SWIFT) build -c release --product signbatch

run: build
	$(RELEASE) run Input --output Output

test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(RELEASE) $(DESTDIR)$(PREFIX)/bin/signbatch

# Removes build products and generated outputs, never the ledger.
clean:
	rm -rf .build .build-* bench-data fuzz-out
	@if [ -d Output ]; then \
		find Output -mindepth 1 -maxdepth 1 ! -name 'ledger.sqlite*' -exec rm -rf {} +; \
	fi
