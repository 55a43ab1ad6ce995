# SPDX-License-Identifier: GPL-2.0
#
# lm: live migration through the controlling function.
#
#   make            kernel modules (W=1, warnings are errors) and user space
#   make check      install what is missing, build, run every test in VMs,
#                   on Debian's kernel and on the debug kernel
#   make demo       a live migration inside a VM, driven by lmctl
#   make bench      liblm and lmctl measured against their baselines, in a VM
#   make sparse     sparse over the kernel code (any warning fails)
#   make checkpatch checkpatch.pl --strict over the kernel code
#   make lib cli    liblm (shared, static, pkg-config file) and lmctl
#   make install    liblm, its headers, lmctl, lm-nvme-bind, man pages, bash
#                   completion, udev rules, modprobe.d file (PREFIX=/usr/local,
#                   DESTDIR; the directories below)
#   make modules_install  the modules into /lib/modules/KVER/updates
#                   (KVER, KDIR, DESTDIR)
#   make install-dkms     the modules' sources and dkms.conf into
#                   /usr/src/lm-VERSION, for DKMS (DESTDIR)
#   make deb        Debian packages (debian/), in build/deb
#   make debug-kernel   build (or reuse) the debug kernel of the test rig
#   make debug-modules  the modules built against the debug kernel (W=1),
#                       sparse over them (the KUnit tests too)
#   make qemu           build (or reuse) the project's QEMU (qemu/), print
#                       its directory
#   make nvme-cli       build (or reuse) nvme-cli with the secondary plugin
#                       (nvme-cli/): build/nvme-cli/nvme, its man pages and
#                       bash completion

KVER ?= $(shell scripts/kver.sh 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
BUILD := $(CURDIR)/build
LINUX_SOURCE ?= $(firstword $(wildcard /usr/src/linux-source-6.12.tar.*))
KSFT := $(BUILD)/kselftest

# The version of the whole tree: the modules' (dkms.conf), lmctl's and
# liblm's, the Debian packages' (debian/changelog).
LM_VERSION := 1.1.0

CFLAGS ?= -O2 -g
# CPPFLAGS and LDFLAGS as a distribution's build passes them (hardening).
USER_CFLAGS := $(CPPFLAGS) $(CFLAGS) -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I$(CURDIR)/include/uapi -I$(KSFT) -pthread
# The kselftest harness is not written for -Wextra: its timeout handler has
# an unused parameter, TEST_F() keeps locals across setjmp(), and ASSERT_EQ()
# compares its sides as given (int constants with __u32 fields).
SELFTEST_CFLAGS := $(USER_CFLAGS) -Wno-unused-parameter -Wno-clobbered \
	-Wno-sign-compare

# The netlink selftest and liblm talk to the family through libnl-genl-3.
LIBNL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
LIBNL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)

SELFTESTS := $(patsubst tests/selftests/%.c,%,$(wildcard tests/selftests/lm_*.c))
SELFTEST_BINS := $(addprefix $(BUILD)/tests/,$(SELFTESTS))
# nvme-lm: the unit tests of the pure command code, built from the driver's
# own cmds.c, and the tests against an emulated NVMe controller.
NVME_LM_CMDS := drivers/nvme-lm/cmds.c drivers/nvme-lm/cmds.h
# nvme_vfio_io: a user-space NVMe driver over vfio-pci that keeps verified
# I/O going and continues it on another VF, for the migration tests.
NVME_LM_TESTS := $(addprefix $(BUILD)/tests/nvme-lm/,nvme_lm_cmds nvme_lm_dev \
	nvme_lm_mig nvme_lm_vfio nvme_vfio_io)
# The VM migration tests: the workload of the migrated VM, and a QMP client
# for the QEMUs that run it.
VMM_TESTS := $(addprefix $(BUILD)/tests/vmm/,vm_blk_io lm_qmp)
# What the character device says, as JSON, for shell tests to compare with.
IOCTL_INFO := $(BUILD)/tests/ioctl_info
KERNEL_SOURCES = $(shell git ls-files -co --exclude-standard -- \
	'drivers/*.c' 'drivers/*.h' 'include/*.h')

# User space beyond the tests: what the kernel's W=1 asks of C, as errors.
STRICT_CFLAGS := -Wall -Wextra -Werror -Wmissing-prototypes \
	-Wstrict-prototypes -Wmissing-declarations -Wold-style-definition \
	-Wshadow -Wformat=2 -Wformat-overflow=2 -Wpointer-arith -Wundef \
	-Wwrite-strings -Wvla -Wcast-function-type -Wimplicit-fallthrough

# liblm: LGPL-2.1-or-later, the ABI is lib/liblm.map's.
LIBLM_VERSION := $(LM_VERSION)
LIBLM_SONAME := liblm.so.1
LIBLM_DIR := $(BUILD)/lib
LIBLM_SRCS := $(wildcard lib/*.c)
LIBLM_OBJS := $(patsubst lib/%.c,$(LIBLM_DIR)/%.o,$(LIBLM_SRCS))
LIBLM_SO := $(LIBLM_DIR)/liblm.so.$(LIBLM_VERSION)
LIBLM_A := $(LIBLM_DIR)/liblm.a
LIBLM_PC := $(LIBLM_DIR)/liblm.pc
LIBLM_CFLAGS := $(CPPFLAGS) $(CFLAGS) $(STRICT_CFLAGS) -std=gnu11 -D_GNU_SOURCE -fPIC \
	-DLIBLM_VERSION='"$(LIBLM_VERSION)"' -I$(CURDIR)/include/uapi \
	$(LIBNL_CFLAGS)
# Programs of this tree find liblm in ../lib from where they are: build/lib
# on the host, /lm/lib in the test VM (where the suites put it).
LIBLM_LINK = -L$(LIBLM_DIR) -llm -Wl,-rpath,'$$ORIGIN/../lib' 

LMCTL := $(BUILD)/cli/lmctl
LMCTL_SRCS := $(wildcard cli/*.c)
LMCTL_OBJS := $(patsubst cli/%.c,$(BUILD)/cli/%.o,$(LMCTL_SRCS))
LMCTL_CFLAGS := $(CPPFLAGS) $(CFLAGS) $(STRICT_CFLAGS) -std=gnu11 -D_GNU_SOURCE \
	-I$(CURDIR)/lib -I$(CURDIR)/include/uapi

LIBLM_TESTS := $(BUILD)/tests/liblm_api $(BUILD)/tests/pty_run
BENCH_BIN := $(BUILD)/bench/lm_bench
MAN_PAGES := $(wildcard docs/man/*.8)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
# Where udev and modprobe read them whatever the prefix: /etc, the
# administrator's place (a distribution's package puts them in /lib).
SYSCONFDIR ?= /etc
UDEVRULESDIR ?= $(SYSCONFDIR)/udev/rules.d
MODPROBEDIR ?= $(SYSCONFDIR)/modprobe.d
# The host's configuration files (config/), as installed.
HOST_RULES := config/60-lm.rules config/61-lm-nvme-bind.rules
# DKMS builds the modules from this tree's Kbuild files and kernel sources.
DKMS_SRCDIR ?= /usr/src/lm-$(LM_VERSION)
DKMS_SOURCES = Kbuild dkms.conf $(shell find drivers include -type f \
	\( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) \
	! -name '*.mod.c' | LC_ALL=C sort)

.PHONY: all modules tests deps check demo demo-vm bench sparse checkpatch clean \
	lib cli liblm-tests bench-bin man-check install modules_install \
	install-dkms deb debug-kernel debug-modules qemu nvme-cli FORCE

all: modules tests lib cli liblm-tests

deps:
	bash scripts/deps.sh

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

tests: $(SELFTEST_BINS) $(NVME_LM_TESTS) $(VMM_TESTS) $(IOCTL_INFO)

$(KSFT)/kselftest_harness.h:
	@test -n "$(LINUX_SOURCE)" || { echo "linux-source-6.12 is not installed: make deps" >&2; exit 1; }
	mkdir -p $(KSFT)
	tar -xf $(LINUX_SOURCE) -C $(KSFT) --strip-components=4 \
		linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.12/tools/testing/selftests/kselftest.h
	touch $@

$(BUILD)/tests/lm_netlink: SELFTEST_EXTRA_CFLAGS = $(LIBNL_CFLAGS)
$(BUILD)/tests/lm_netlink: SELFTEST_LIBS = $(LIBNL_LIBS)

$(BUILD)/tests/%: tests/selftests/%.c tests/selftests/*.h include/uapi/linux/lm.h $(KSFT)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) $(SELFTEST_EXTRA_CFLAGS) -o $@ $< -lpthread $(SELFTEST_LIBS)

lib: $(LIBLM_SO) $(LIBLM_A) $(LIBLM_PC)

$(BUILD)/tests/nvme-lm/nvme_lm_cmds: tests/nvme-lm/nvme_lm_cmds.c $(NVME_LM_CMDS) \
		$(wildcard tests/nvme-lm/shim/*/*.h) $(KSFT)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -Itests/nvme-lm/shim -Idrivers/nvme-lm -o $@ \
		$< drivers/nvme-lm/cmds.c

# The device tests: nvme_lm_dev (no live migration), nvme_lm_mig (with it),
# nvme_lm_vfio (with it, through lm-vfio-pci).
$(BUILD)/tests/nvme-lm/nvme_lm_%: tests/nvme-lm/nvme_lm_%.c \
		tests/nvme-lm/nvme_util.h tests/selftests/*.h \
		include/uapi/linux/lm.h $(KSFT)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -Itests/selftests -o $@ $< -lpthread

$(BUILD)/tests/nvme-lm/nvme_vfio_io: tests/nvme-lm/nvme_vfio_io.c tests/nvme-lm/blk_pattern.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(STRICT_CFLAGS) -std=gnu11 -D_GNU_SOURCE -o $@ $<

$(BUILD)/tests/vmm/vm_blk_io: tests/vmm/vm_blk_io.c tests/nvme-lm/blk_pattern.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(STRICT_CFLAGS) -std=gnu11 -D_GNU_SOURCE -o $@ $<

$(BUILD)/tests/vmm/lm_qmp: tests/vmm/lm_qmp.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(STRICT_CFLAGS) -std=gnu11 -D_GNU_SOURCE -o $@ $<

$(LIBLM_DIR)/%.o: lib/%.c lib/*.h include/uapi/linux/lm.h
	@mkdir -p $(dir $@)
	$(CC) $(LIBLM_CFLAGS) -c -o $@ $<

$(LIBLM_SO): $(LIBLM_OBJS) lib/liblm.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIBLM_SONAME) \
		-Wl,--version-script=lib/liblm.map -Wl,--no-undefined \
		-o $@ $(LIBLM_OBJS) $(LIBNL_LIBS)
	ln -sf $(notdir $@) $(LIBLM_DIR)/$(LIBLM_SONAME)
	ln -sf $(LIBLM_SONAME) $(LIBLM_DIR)/liblm.so

$(LIBLM_A): $(LIBLM_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# The pkg-config file of the installation directories given now: made
# every time, since they are make variables, not files.
gen_pc = sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(LIBDIR)|' \
	-e 's|@includedir@|$(INCLUDEDIR)|' -e 's|@version@|$(LIBLM_VERSION)|' \
	lib/liblm.pc.in > $(1)

$(LIBLM_PC): lib/liblm.pc.in FORCE
	@mkdir -p $(dir $@)
	$(call gen_pc,$@)

FORCE:

cli: $(LMCTL)

$(BUILD)/cli/%.o: cli/%.c cli/*.h lib/liblm.h include/uapi/linux/lm.h
	@mkdir -p $(dir $@)
	$(CC) $(LMCTL_CFLAGS) -c -o $@ $<

$(LMCTL): $(LMCTL_OBJS) $(LIBLM_SO)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(LMCTL_OBJS) $(LIBLM_LINK)

liblm-tests: $(LIBLM_TESTS)

$(BUILD)/tests/liblm_%: tests/selftests/liblm_%.c tests/selftests/*.h lib/liblm.h $(LIBLM_SO) $(KSFT)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -I$(CURDIR)/lib -o $@ $< $(LIBLM_LINK) -lpthread

$(IOCTL_INFO): tests/selftests/ioctl_info.c tests/selftests/lm_util.h include/uapi/linux/lm.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $<

$(BUILD)/tests/pty_run: tests/selftests/pty_run.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $< -lutil

bench-bin: $(BENCH_BIN)

$(BENCH_BIN): tests/bench/lm_bench.c tests/selftests/lm_util.h lib/liblm.h $(LIBLM_SO)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -I$(CURDIR)/lib -o $@ $< $(LIBLM_LINK)

# Every man page formats without a groff warning.
man-check:
	@for m in $(MAN_PAGES); do \
		out=$$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
			man --warnings=w -E UTF-8 -l -Tutf8 -Z $$m 2>&1 >/dev/null); \
		if [ -n "$$out" ]; then echo "$$m:"; echo "$$out"; exit 1; fi; \
		echo "$$m: ok"; \
	done

install: lib cli
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(UDEVRULESDIR) \
		$(DESTDIR)$(MODPROBEDIR) $(DESTDIR)$(SYSCONFDIR)/lm
	install -m 0755 $(LIBLM_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIBLM_SO)) $(DESTDIR)$(LIBDIR)/$(LIBLM_SONAME)
	ln -sf $(LIBLM_SONAME) $(DESTDIR)$(LIBDIR)/liblm.so
	install -m 0644 $(LIBLM_A) $(DESTDIR)$(LIBDIR)/
	$(call gen_pc,$(DESTDIR)$(LIBDIR)/pkgconfig/liblm.pc)
	install -m 0644 lib/liblm.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 include/uapi/linux/lm.h $(DESTDIR)$(INCLUDEDIR)/linux/
	$(CC) $(CFLAGS) $(LDFLAGS) -o $(DESTDIR)$(SBINDIR)/lmctl $(LMCTL_OBJS) \
		-L$(LIBLM_DIR) -llm
	sed 's|@sysconfdir@|$(SYSCONFDIR)|g' cli/lm-nvme-bind \
		> $(DESTDIR)$(SBINDIR)/lm-nvme-bind
	chmod 0755 $(DESTDIR)$(SBINDIR)/lm-nvme-bind
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 cli/lmctl-completion.bash $(DESTDIR)$(COMPLETIONDIR)/lmctl
	for r in $(HOST_RULES); do \
		sed 's|@sbindir@|$(SBINDIR)|g' $$r \
			> $(DESTDIR)$(UDEVRULESDIR)/$${r#config/} || exit; \
	done
	install -m 0644 config/modprobe-lm.conf $(DESTDIR)$(MODPROBEDIR)/lm.conf
	# The administrator's list of controllers is theirs once installed.
	[ -e $(DESTDIR)$(SYSCONFDIR)/lm/nvme-bind.conf ] || \
		install -m 0644 config/nvme-bind.conf $(DESTDIR)$(SYSCONFDIR)/lm/

# Into /lib/modules/KVER/updates, where modprobe prefers them to the
# kernel's own, then depmod over DESTDIR's tree (Kbuild skips it without
# the kernel's System.map, which headers packages do not have).
modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

install-dkms:
	install -d $(DESTDIR)$(DKMS_SRCDIR)
	cp --parents $(DKMS_SOURCES) $(DESTDIR)$(DKMS_SRCDIR)/

# The packages of debian/, built from a copy of the tree in build/deb
# (dpkg-buildpackage leaves its results beside the tree it builds).
deb:
	bash tests/pkg/build.sh

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

# The project's QEMU: Debian's 10.0 source with qemu/patches/, cached
# outside the clone. The directory it prints holds bin/qemu-system-x86_64.
qemu:
	@bash qemu/build.sh

# nvme-cli with the secondary plugin (nvme-cli/build.sh, cached outside the
# clone), copied where it finds liblm as lmctl does, in ../lib; nothing
# there when the build fails.
NVME_CLI := $(BUILD)/nvme-cli

nvme-cli: lib
	@rm -rf $(NVME_CLI)
	@dir=$$(bash nvme-cli/build.sh) && \
	mkdir -p $(NVME_CLI)/man && \
	cp -R "$$dir/man/man1" $(NVME_CLI)/man/ && \
	cp "$$dir/share/bash-completion/completions/nvme" \
		$(NVME_CLI)/nvme-completion.bash && \
	cp "$$dir/bin/nvme" $(NVME_CLI)/nvme && \
	echo "$(NVME_CLI)/nvme (from $$dir)"

check: deps
	bash tests/run.sh

demo: deps
	bash tests/demo/run.sh

# A VM with a VF passed through, migrated by unmodified QEMU (nested).
demo-vm: deps
	bash tests/demo/vm.sh

bench: deps
	bash tests/bench/run.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
