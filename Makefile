# SPDX-License-Identifier: GPL-2.0
# rtrace: user-facing targets.  What the kernel builds is in Kbuild.
#
# Modules are built out of tree, one directory per kernel:
#   build/<kernel>[-debug]/   (kernel = cloud, rt, 6.1, debug; -debug = RTRACE_DEBUG=1)
#   build/kdir[-debug]/       (make modules KDIR=/path/to/prepared/tree)

KDIR		?= /lib/modules/$(shell uname -r)/build
KERNEL		?= cloud
KERNELS		?= cloud rt 6.1 debug
TESTS		?=
RTRACE_DEBUG	?= 0
DESTDIR		?=
PREFIX		?= /usr/local
RTRACE_CACHE	?= /var/cache/rtrace

ifeq ($(filter command line environment,$(origin KDIR)),)
MOD_TARGET	:= $(KERNEL)
else
MOD_TARGET	:= --kdir $(KDIR)
endif
MOD_FLAGS	:= $(if $(filter 1,$(RTRACE_DEBUG)),--debug-build)

export RTRACE_CACHE KERNELS TESTS

.PHONY: all modules userspace selftests check lint demo install clean help bench deps debug-kernel \
	dkms dkms-src reliability-report stress

all: modules userspace selftests

help:
	@echo 'rtrace targets:'
	@echo '  make demo        boot the default kernel in QEMU with rtrace loaded and show it'
	@echo '  make check       deps, lint, unit tests, runner self-tests, selftests on every kernel;'
	@echo '                   last line: "N passed, N failed, N skipped"'
	@echo '  make all         modules + userspace + selftests'
	@echo '  make modules     rtrace.ko + test modules for KERNEL (default cloud) in build/KERNEL/,'
	@echo '                   or for any prepared tree with KDIR=/path (build/kdir/)'
	@echo '  make userspace   reader library and rtrace CLI'
	@echo '  make selftests   kselftest programs (static) into build/selftests/'
	@echo '  make lint        checkpatch --strict, one build with sparse (C=2) and W=1'
	@echo '  make deps        install missing Debian packages, unpack test kernels into the cache'
	@echo '  make debug-kernel  build (once) the cached debug kernel'
	@echo '  make bench       benchmarks (bench/)'
	@echo '  make reliability-report  per kernel and build: tests, fuzz calls, verify, nesting'
	@echo '                   pairs, faults, from the last make check (also printed by it)'
	@echo '  make stress      the validation source recorded and verified on every kernel and'
	@echo '                   module build, DURATION seconds of recording per kernel (default 120;'
	@echo '                   make check does 30)'
	@echo '  make install     install rtrace.ko for KDIR (default: running kernel), the uapi'
	@echo '                   header, the userspace tools, and for other modules the kernel'
	@echo '                   API headers and Module.symvers in PREFIX/src/rtrace/, and the'
	@echo '                   optional udev rule in PREFIX/share/rtrace/ (README: real hosts)'
	@echo '  make dkms        (root) copy the module source to /usr/src/rtrace-VERSION and'
	@echo '                   dkms install it: rebuilt for every kernel upgrade'
	@echo '  make clean       remove build/'
	@echo 'variables:'
	@echo '  KERNEL=cloud|rt|6.1|debug   kernel for make modules (default cloud)'
	@echo '  KERNELS="cloud rt 6.1 debug" kernels make check boots (default all four)'
	@echo '  TESTS="module_test ..."     selftest programs make check runs (default all)'
	@echo '  RTRACE_DEBUG=1              build the module with RTRACE_DEBUG'
	@echo '  RTRACE_CACHE=dir            cache outside the tree (default /var/cache/rtrace)'
	@echo '  RTRACE_CHECK_JOBS=N         make check jobs at a time (default: number of CPUs)'

deps:
	scripts/deps.sh

debug-kernel: deps
	scripts/build-debug-kernel.sh

modules:
	scripts/build-modules.sh $(MOD_TARGET) $(MOD_FLAGS) >/dev/null

userspace:
	$(MAKE) -C userspace all

selftests:
	$(MAKE) -C selftests/rtrace all

check:
	scripts/check.sh

# The stress of make check, longer: DURATION seconds per kernel, shared by BUILDS.
DURATION	?= 120
stress:
	RTRACE_STRESS_SECONDS=$(DURATION) TESTS=stress scripts/check.sh

lint:
	scripts/lint.sh

demo:
	scripts/demo.sh

bench:
	$(MAKE) -C bench

# The figures of the last make check's VM runs (build/check/), per kernel.
reliability-report:
	scripts/reliability-report

# Installs rtrace.ko only (never the test modules) into extra/ and runs depmod;
# what another module builds against (README.md) into $(PREFIX)/src/rtrace/.
KAPI_DIR	= $(DESTDIR)$(PREFIX)/src/rtrace
install:
	scripts/build-modules.sh --kdir $(KDIR) $(MOD_FLAGS) >/dev/null
	krel=$$(cat $(KDIR)/include/config/kernel.release) && \
	install -D -m 0644 build/kdir$(if $(filter 1,$(RTRACE_DEBUG)),-debug)/kmod/rtrace.ko \
		$(DESTDIR)/lib/modules/$$krel/extra/rtrace.ko && \
	/sbin/depmod $(if $(DESTDIR),-b $(DESTDIR)) $$krel
	install -D -m 0644 -t $(KAPI_DIR)/include include/rtrace_emit.h include/rtrace_wr.h
	install -D -m 0644 uapi/linux/rtrace.h $(KAPI_DIR)/include/uapi/linux/rtrace.h
	install -D -m 0644 build/kdir$(if $(filter 1,$(RTRACE_DEBUG)),-debug)/Module.symvers \
		$(KAPI_DIR)/Module.symvers
	$(MAKE) -C userspace install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	install -D -m 0644 udev/60-rtrace.rules $(DESTDIR)$(PREFIX)/share/rtrace/60-rtrace.rules

# DKMS: the module's source (kmod/, include/, uapi/, dkms.conf) into
# /usr/src/rtrace-VERSION, then dkms builds and installs it for the running
# kernel and rebuilds it after kernel upgrades.  dkms-src alone only copies.
DKMS_VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC	= $(DESTDIR)/usr/src/rtrace-$(DKMS_VERSION)
dkms-src:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)
	cp -a dkms.conf kmod include uapi $(DKMS_SRC)/
dkms: dkms-src
	-dkms remove rtrace/$(DKMS_VERSION) --all >/dev/null 2>&1
	dkms add rtrace/$(DKMS_VERSION)
	dkms install rtrace/$(DKMS_VERSION)

clean:
	rm -rf build
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests/unit clean
