# kvmsim — a deterministic user-space model of a KVM host.
#
#   make              build build/kvmsim
#   make check        unit + scenario tests, and a fast fuzz slice   (SAN=1: ASan+UBSan)
#   make bench        benchmarks
#   make fuzz         libFuzzer runs of every fuzz target (FUZZ_SECONDS each)
#   make reproduce    the series' experiment (kvmsim reproduce)
#   make install      PREFIX=/usr/local
#   make B=DIR        build in DIR instead of build/ (helpers working side by side)
#
# Sources are discovered: every .c under the kernel-mirror and model directories goes into
# libkvmsim.a; tools/kvmsim/*.c make the tool; tests/**/test_*.c are cmocka programs and
# tests/**/*.sh are shell tests; bench/*.c and fuzz/fuzz_*.c likewise.

SAN ?= 0
ifeq ($(SAN),1)
B ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT := -O1
else
B ?= build
SANFLAGS :=
OPT := -O2
endif

CC ?= cc
PREFIX ?= /usr/local
V ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

CFLAGS := -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -fno-strict-aliasing -Iinclude -I. $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(SANFLAGS)
LDLIBS := -linih -lm

LIB_DIRS := lib sim kernel virt arch mm drivers guest
LIB_SRCS := $(sort $(shell find $(LIB_DIRS) -name '*.c' 2>/dev/null))
TOOL_SRCS := $(sort $(wildcard tools/kvmsim/*.c))
TEST_SRCS := $(sort $(shell find tests -name 'test_*.c' 2>/dev/null))
TEST_SH := $(sort $(shell find tests -name '*.sh' 2>/dev/null))
BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(B)/%.o)
TESTS := $(TEST_SRCS:%.c=$(B)/%)
BENCHES := $(BENCH_SRCS:%.c=$(B)/%)
FUZZ_DRIVERS := $(FUZZ_SRCS:%.c=$(B)/%)
LIB := $(B)/libkvmsim.a
KVMSIM := $(B)/kvmsim

all: deps $(KVMSIM)

# Dependencies: install them when root, otherwise say what to install.
deps:
	$(Q)scripts/install-deps --check >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ]; then scripts/install-deps; else scripts/install-deps --check; exit 1; fi; }

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@[ "$(V)" = 1 ] || echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(KVMSIM): $(TOOL_OBJS) $(LIB)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(TOOL_OBJS) $(LIB) $(LDLIBS)

# Tests may use the tool's objects except its main().
TOOL_LIB_OBJS := $(filter-out $(B)/tools/kvmsim/main.o,$(TOOL_OBJS))

$(B)/tests/%: tests/%.c $(LIB) $(TOOL_LIB_OBJS)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  TEST-CC $<"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(TOOL_LIB_OBJS) $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka

$(B)/bench/%: bench/%.c $(LIB) $(TOOL_LIB_OBJS)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  BENCH   $<"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(TOOL_LIB_OBJS) $(LIB) $(LDFLAGS) $(LDLIBS)

# Fuzz targets, built with a deterministic replay/mutation driver for `make check`.
$(B)/fuzz/%: fuzz/%.c fuzz/driver.c $(LIB)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  FUZZ-CC $<"
	$(Q)$(CC) $(CFLAGS) -o $@ $< fuzz/driver.c $(LIB) $(LDFLAGS) $(LDLIBS)

check: all $(TESTS) $(FUZZ_DRIVERS)
	$(Q)B=$(B) KVMSIM=$(KVMSIM) scripts/run-tests $(TESTS) $(TEST_SH) $(FUZZ_DRIVERS)

bench: all $(BENCHES)
	$(Q)for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

FUZZ_SECONDS ?= 60
FUZZ_B := $(B)/libfuzzer
fuzz: deps
	$(Q)mkdir -p $(FUZZ_B)
	$(Q)for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
	  clang -std=gnu11 -g -O1 -Iinclude -I. -fsanitize=fuzzer,address,undefined \
	    -o $(FUZZ_B)/$$n $$f $(LIB_SRCS) $(LDLIBS) || exit 1; \
	  mkdir -p $(FUZZ_B)/corpus-$$n; \
	  $(FUZZ_B)/$$n -max_total_time=$(FUZZ_SECONDS) $(FUZZ_B)/corpus-$$n \
	    $$( [ -d fuzz/corpus/$$n ] && echo fuzz/corpus/$$n ) || exit 1; done

reproduce: all
	$(KVMSIM) reproduce --out results $(REPRODUCE_ARGS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(KVMSIM) $(DESTDIR)$(PREFIX)/bin/kvmsim
	[ ! -f docs/kvmsim.1 ] || install -m 0644 docs/kvmsim.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf build build-san build-*

format:
	clang-format -i $(LIB_SRCS) $(TOOL_SRCS) $$(find include -name '*.h')

.PHONY: all deps check bench fuzz reproduce install clean format
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
