#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: install what is missing, build, boot the default kernel in QEMU
# with rtrace loaded and show it working.  KERNEL=cloud|rt|6.1|debug picks
# another kernel.
set -e
. "$(dirname "$0")/lib.sh"
cd "$RTRACE_TOP"

kernel=${KERNEL:-cloud}
scripts/deps.sh
[ "$kernel" = debug ] && scripts/build-debug-kernel.sh
[ -f userspace/Makefile ] && make -s -C userspace all
make -s -C selftests/rtrace all

exec selftests/vm/run --kernel "$kernel" -- '
echo "== rtrace.ko loaded:"; grep "^rtrace " /proc/modules
echo "== /dev/rtrace:"; ls -l /dev/rtrace
echo "== module:"; for f in version srcversion refcnt taint; do
	[ -r /sys/module/rtrace/$f ] && echo "$f: $(cat /sys/module/rtrace/$f)"; done
if command -v rtrace >/dev/null; then
	echo "== rtrace info:"; rtrace info
fi
echo "== module_test:"; /rtrace/selftests/run_all module_test | grep -E "^(not )?ok"
'
