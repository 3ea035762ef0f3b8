#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: install what is missing, build, boot the default kernel in QEMU
# with rtrace loaded, and record a real workload there with
# 'rtrace record -- COMMAND': a walk of the file system, a pipe ping-pong
# and a timer-driven loop, each phase opened by a marker ('rtrace mark'),
# with context switches, wakeups, interrupts, system calls and page faults.
# The capture comes back to the host byte-exact; the host prints
# 'rtrace report', writes the CTF and Perfetto files and shows the first
# lines of babeltrace2 on the CTF.  KERNEL=cloud|rt|6.1|debug picks another
# kernel.
set -e
. "$(dirname "$0")/lib.sh"
cd "$RTRACE_TOP"

kernel=${KERNEL:-cloud}
out=build/demo
rtrace=build/userspace/rtrace
scripts/deps.sh
[ "$kernel" = debug ] && scripts/build-debug-kernel.sh
make -s -C userspace all
make -s -C selftests/rtrace all
mkdir -p "$out"
rm -rf "$out/demo.rtr" "$out/demo.ctf" "$out/demo.pftrace"

cat > "$out/workload.sh" <<'EOF'
# The demo's workload (busybox sh in the guest), one marker per phase.
rtrace mark "phase 1: find / (system calls, page faults)"
find / -xdev >/dev/null 2>&1
rtrace mark "phase 2: pipe ping-pong (context switches, wakeups)"
dd if=/dev/zero bs=64 count=3000 2>/dev/null | cat >/dev/null
rtrace mark "phase 3: timers (100 sleeps of 5 ms: timer interrupts)"
i=0
while [ $i -lt 100 ]; do usleep 5000; i=$((i + 1)); done
rtrace mark "done"
EOF

selftests/vm/run --kernel "$kernel" --add "$out/workload.sh:/rtrace/workload.sh" \
	--out "demo.rtr:$out/demo.rtr" -- '
set -e
echo "== in the guest: $(uname -r), rtrace.ko loaded:"
rtrace info | head -n 4
echo "== rtrace record -e sched,irq,syscalls,faults -- sh workload.sh"
rtrace record -o /rtrace/demo.rtr -e sched,irq,syscalls,faults --buffer-size 4M \
	--status never -- sh /rtrace/workload.sh
echo "== the markers and the first context switches (rtrace decode)"
rtrace decode /rtrace/demo.rtr | grep -m 4 " marker "
rtrace decode /rtrace/demo.rtr | grep -m 6 " sched_switch "
'

echo "== on the host: $out/demo.rtr ($(stat -c %s "$out/demo.rtr") bytes)"
"$rtrace" check "$out/demo.rtr"
"$rtrace" report "$out/demo.rtr"
"$rtrace" convert "$out/demo.rtr" --to ctf -o "$out/demo.ctf"
"$rtrace" convert "$out/demo.rtr" --to perfetto -o "$out/demo.pftrace"
if command -v babeltrace2 >/dev/null; then
	echo "== babeltrace2 $out/demo.ctf (first lines)"
	babeltrace2 "$out/demo.ctf" 2>&1 | head -n 12 || true
fi
cat <<EOF
== done.  Files in $out/:
   demo.rtr       the capture: '$rtrace decode $out/demo.rtr' prints every event
   demo.ctf/      CTF 1.8: 'babeltrace2 $out/demo.ctf', or Trace Compass
                  (File > Open Trace..., pick $out/demo.ctf/metadata)
   demo.pftrace   Perfetto: open https://ui.perfetto.dev, "Open trace file",
                  pick $out/demo.pftrace (CPU tracks, threads, markers)
EOF
