# SPDX-License-Identifier: GPL-2.0
#
# lm: live migration through the controlling function.
#
#   make            kernel modules (W=1, warnings are errors) and user space
#   make check      install what is missing, build, run every test in VMs,
#                   on Debian's kernel and on the debug kernel
#   make demo       a live migration inside a VM
#   make sparse     sparse over the kernel code (any warning fails)
#   make checkpatch checkpatch.pl --strict over the kernel code
#   make debug-kernel   build (or reuse) the debug kernel of the test rig
#   make debug-modules  the modules built against the debug kernel (W=1),
#                       sparse over them (the KUnit tests too)

KVER ?= $(shell scripts/kver.sh 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
BUILD := $(CURDIR)/build
LINUX_SOURCE ?= $(firstword $(wildcard /usr/src/linux-source-6.12.tar.*))
KSFT := $(BUILD)/kselftest

CFLAGS ?= -O2 -g
USER_CFLAGS := $(CFLAGS) -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I$(CURDIR)/include/uapi -I$(KSFT) -pthread
# The kselftest harness is not written for -Wextra: its timeout handler has
# an unused parameter, TEST_F() keeps locals across setjmp(), and ASSERT_EQ()
# compares its sides as given (int constants with __u32 fields).
SELFTEST_CFLAGS := $(USER_CFLAGS) -Wno-unused-parameter -Wno-clobbered \
	-Wno-sign-compare

SELFTESTS := $(patsubst tests/selftests/%.c,%,$(wildcard tests/selftests/lm_*.c))
SELFTEST_BINS := $(addprefix $(BUILD)/tests/,$(SELFTESTS))
DEMO_BIN := $(BUILD)/demo/lm_demo
KERNEL_SOURCES = $(shell git ls-files -co --exclude-standard -- \
	'drivers/*.c' 'drivers/*.h' 'include/*.h')

.PHONY: all modules tests demo-bin deps check demo sparse checkpatch clean \
	debug-kernel debug-modules

all: modules tests demo-bin

deps:
	bash scripts/deps.sh

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

tests: $(SELFTEST_BINS)

$(KSFT)/kselftest_harness.h:
	@test -n "$(LINUX_SOURCE)" || { echo "linux-source-6.12 is not installed: make deps" >&2; exit 1; }
	mkdir -p $(KSFT)
	tar -xf $(LINUX_SOURCE) -C $(KSFT) --strip-components=4 \
		linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.12/tools/testing/selftests/kselftest.h
	touch $@

$(BUILD)/tests/%: tests/selftests/%.c tests/selftests/*.h include/uapi/linux/lm.h $(KSFT)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< -lpthread

demo-bin: $(DEMO_BIN)

$(DEMO_BIN): tests/demo/lm_demo.c tests/selftests/lm_util.h include/uapi/linux/lm.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $<

# sparse prints warnings without failing the build: collect them and fail.
# C=2 checks every file, not only those being rebuilt.
sparse:
	@mkdir -p $(BUILD)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=2 modules 2>&1 | tee $(BUILD)/sparse.log
	@! grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' $(BUILD)/sparse.log

checkpatch:
	@test -n "$(LINUX_SOURCE)" || { echo "linux-source-6.12 is not installed: make deps" >&2; exit 1; }
	@mkdir -p $(BUILD)/checkpatch
	@test -f $(BUILD)/checkpatch/checkpatch.pl || tar -xf $(LINUX_SOURCE) \
		-C $(BUILD)/checkpatch --strip-components=2 \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
	$(BUILD)/checkpatch/checkpatch.pl --strict --no-tree --quiet \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,MACRO_ARG_REUSE \
		-f $(KERNEL_SOURCES)

# The debug kernel (tests/debug-kernel/), cached outside the clone. Its
# modules are built in a copy of the sources: an M= build writes its objects
# beside them, and this tree's belong to Debian's kernel.
DEBUG_SRC := $(BUILD)/debug/src
DEBUG_SOURCES = $(shell git ls-files -co --exclude-standard -- Kbuild \
	'drivers/*' 'include/*')

debug-kernel:
	bash tests/debug-kernel/build.sh

# DEBUG_KERNEL_DIR: what debug-kernel printed (built here when not given).
# Sparse runs too, as in "make sparse": on this kernel the KUnit tests build.
debug-modules:
	@dir='$(DEBUG_KERNEL_DIR)'; \
	[ -n "$$dir" ] || dir=$$(bash tests/debug-kernel/build.sh) || exit 1; \
	mkdir -p $(DEBUG_SRC) && \
	printf '%s\n' $(DEBUG_SOURCES) > $(DEBUG_SRC).list.new && \
	{ cmp -s $(DEBUG_SRC).list.new $(DEBUG_SRC).list || \
	  { rm -rf $(DEBUG_SRC) && mkdir -p $(DEBUG_SRC); }; } && \
	cp -p --parents $(DEBUG_SOURCES) $(DEBUG_SRC)/ && \
	mv $(DEBUG_SRC).list.new $(DEBUG_SRC).list && \
	{ $(MAKE) -C "$$dir/build" M=$(DEBUG_SRC) W=1 C=2 modules \
		> $(BUILD)/debug-modules.log 2>&1; rc=$$?; \
	  cat $(BUILD)/debug-modules.log; exit $$rc; }
	@! grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' $(BUILD)/debug-modules.log

check: deps
	bash tests/run.sh

demo: deps
	bash tests/demo/run.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
