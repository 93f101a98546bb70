# dockaudit build. `make` builds build/dockaudit; `make test` runs the whole suite
# (unit + end-to-end); `make check-unit` runs unit tests only; `make asan` builds
# an ASan/UBSan variant into build-asan/; `make man` remakes docs/man/ from --help;
# `make fuzz` builds the libFuzzer targets of tests/fuzz into build-fuzz/ with
# clang (tests/fuzz/README.md).

CC      ?= cc
PKGS    := openssl yaml-0.1 libzstd
BUILD   ?= build
CSTD    := -std=gnu11
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
OPT     ?= -O2 -g
CFLAGS  += $(CSTD) $(WARN) $(OPT) -D_GNU_SOURCE -Isrc $(shell pkg-config --cflags $(PKGS)) $(EXTRA_CFLAGS)
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lpthread $(EXTRA_LDFLAGS)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CFLAGS  += -DDOCKAUDIT_VERSION='"$(VERSION)"'

SRCS    := src/main.c $(sort $(wildcard src/*/*.c))
OBJS    := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIBOBJS := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/%)
FUZZ_CC   ?= clang
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: all test check-unit check-e2e asan tsan clean deps bench man fuzz fuzz-bins

all: $(BUILD)/dockaudit

$(BUILD)/dockaudit: $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*/*.h src/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIBOBJS) $(LDLIBS)

check-unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_BINS)

check-e2e: all
	@bash tests/e2e/run.sh

test:
	bash tests/run-all.sh

asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" all $(patsubst build/%,build-asan/%,$(UNIT_BINS))

# The thread-shared parts (peer caches, callmark) under ThreadSanitizer.
tsan:
	$(MAKE) BUILD=build-tsan CC=clang OPT="-O1 -g -fsanitize=thread" build-tsan/tests/test-peer build-tsan/tests/test-authz

# man pages from --help (scripts/mkman.sh): dockaudit(8), dockaudit.yaml(5)
man: all
	bash scripts/mkman.sh $(BUILD)/dockaudit docs/man

# The library is compiled with fuzzer-no-link instrumentation; only the
# targets link libFuzzer's main.  gcc stays the compiler of every other build.
fuzz:
	$(MAKE) BUILD=build-fuzz CC=$(FUZZ_CC) \
	    OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
	    fuzz-bins

fuzz-bins: $(FUZZ_BINS)

$(BUILD)/fuzz-%: tests/fuzz/fuzz-%.c $(wildcard tests/fuzz/*.h) $(LIBOBJS)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< $(LIBOBJS) $(LDLIBS)

bench: all
	bash bench/run.sh

clean:
	rm -rf build build-asan build-tsan build-fuzz
