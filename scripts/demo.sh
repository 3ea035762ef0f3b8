#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: install what is missing, build, boot the default kernel in QEMU
# with rtrace loaded, record a capture with the rtrace CLI while a test
# module emits events from task and hardirq context, bring the capture file
# back to the host byte-exact and decode it there.  KERNEL=cloud|rt|6.1|debug
# picks another kernel.
set -e
. "$(dirname "$0")/lib.sh"
cd "$RTRACE_TOP"

kernel=${KERNEL:-cloud}
out=build/demo
scripts/deps.sh
[ "$kernel" = debug ] && scripts/build-debug-kernel.sh
make -s -C userspace all
make -s -C selftests/rtrace all
mkdir -p "$out"
rm -f "$out/demo.rtr"

selftests/vm/run --kernel "$kernel" --out "demo.rtr:$out/demo.rtr" -- '
set -e
echo "== in the guest: $(uname -r), rtrace.ko loaded, /dev/rtrace:"
ls -l /dev/rtrace
insmod /rtrace/modules/rtrace_test_gen.ko
P=/sys/module/rtrace_test_gen/parameters
echo "== rtrace record -o demo.rtr --duration 3 (discard mode, 64 KiB per lane)"
rtrace record -o /rtrace/demo.rtr --duration 3 --buffer-size 64K --subbuf-size 4K &
pid=$!
sleep 1
echo 2000 > $P/emit       # task context, integer arguments
echo 300 > $P/emit_raw    # task context, raw payloads
echo 200 > $P/emit_irq    # hardirq context
wait $pid
echo "== rtrace stats (kernel counters: written, lost by cause, bytes, nesting)"
rtrace stats
echo "== first events (rtrace decode)"
rtrace decode /rtrace/demo.rtr | head -n 12
'

echo "== on the host: $out/demo.rtr ($(stat -c %s "$out/demo.rtr") bytes), decoded by build/userspace/rtrace"
build/userspace/rtrace check "$out/demo.rtr"
build/userspace/rtrace report "$out/demo.rtr"
echo "== done: 'build/userspace/rtrace decode $out/demo.rtr' prints every event"
