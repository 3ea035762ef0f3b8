#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (bench/run, mode tput: one vCPU, -icount shift=0,
# sleep=off, so a nanosecond of CPU time or of CLOCK_MONOTONIC is a guest
# instruction): what `rtrace record` costs per MiB it writes to a file, read()
# against --mmap, and the highest event rate it streams with no loss.
#
#   sh tput.sh [DURATION] [REPS]
#
# The event source is the validation source's task generator alone
# (validate_gens=1: a kthread writing validate_burst events, then sleeping
# validate_period_us; Documentation/abi.md "The validation source"), so the
# one vCPU runs the generator, the reader, and little else.  Each run is
#
#   tput_run rtrace record --sources validate --duration DURATION ... -o FILE
#
# then `rtrace check FILE` (every unit decodes, CRCs, sequence numbers; its
# lost counts).  Prints one line per run for bench/report.awk:
#
#   tput KIND GEOM PATH BURST PERIOD_US STATUS CHILD_NS KWORKER_NS WALL_NS BYTES EVENTS LOST CHECK
#
# KIND: idle (a session with nothing emitting: the CLI's fixed cost),
# cost (the reader-cost runs), rate (the throughput steps); GEOM: default
# (256K per lane, 16K sub-buffers) or 4M (--buffer-size 4M per lane); PATH:
# read or mmap; LOST: the check's lost events of every cause but too_large
# (the generator writes a record one byte too large now and then on purpose)
# plus missing sub-buffers; CHECK: ok or FAILED.  tput_run's figures: bench/guest/tput_run.c.
set -e
D=${1:-0.5}
REPS=${2:-3}
P=/sys/module/rtrace/parameters
RUN=/rtrace/tput_run
F=/tmp/tput.dat

echo 1 > $P/validate_gens

# one KIND GEOM PATH BURST PERIOD_US [SOURCES]
one() {
	kind=$1 geom=$2 path=$3 burst=$4 period=$5 src=${6:-validate}
	echo "$burst" > $P/validate_burst
	echo "$period" > $P/validate_period_us
	set --
	[ "$geom" = 4M ] && set -- --buffer-size 4M
	[ "$path" = mmap ] && set -- "$@" --mmap
	rm -f $F
	cost=$($RUN rtrace record -f -o $F --duration "$D" --sources "$src" "$@" 2> /tmp/tput.rec) ||
		{ cat /tmp/tput.rec >&2; echo "tput: record failed: $cost" >&2; exit 1; }
	bytes=$(wc -c < $F)
	chk=$(rtrace check $F 2>&1) || true
	echo "tputinfo $kind $geom $path $burst $period $chk"
	# "FILE: ok: N events, ...; lost cause=N cause=N ..."
	echo "$chk" | awk -v pre="tput $kind $geom $path $burst $period ${cost#tput_cost }" -v b="$bytes" '
		/: (ok|FAILED): / {
			st = $2; sub(/:$/, "", st)
			ev = $3
			lost = 0
			for (i = 4; i < NF; i++)
				if ($(i + 1) == "sub-buffers" && $(i + 2) ~ /^missing/)
					lost += $i
			n = split($0, f, /[ =]/)
			for (i = 1; i < n; i++)
				if (f[i] == "lost")
					seen = 1
				else if (seen && f[i] ~ /^[a-z_]+$/ && f[i] != "too_large" && f[i + 1] ~ /^[0-9]+$/)
					lost += f[i + 1]
			print pre, b, ev, lost, st
			found = 1
		}
		END { if (!found) print pre, b, 0, -1, "FAILED" }'
	rm -f $F
}

sleep 1		# let the console settle (MEASURING.md)

# The reader's cost per MiB: a moderate steady rate (2 events every 100 us
# plus the burst's own time) that the reader keeps up with; the CLI's fixed
# cost (start, configure, final drain, exit) from sessions with nothing
# emitting (source kapi: no module emits), subtracted by report.awk.
r=0
while [ $r -lt "$REPS" ]; do
	one idle default read 1 1000 kapi
	one idle default mmap 1 1000 kapi
	one cost default read 2 100
	one cost default mmap 2 100
	r=$((r + 1))
done

# Throughput: burst doubling at a 100 us period until the capture shows
# losses (or fails its check), then two bisection steps between the last
# clean burst and the first lossy one; then the same at a 10 us period if
# 256 per 100 us was still clean.  A clean step that delivered less than
# 10% more events than the one before ends the series: the one vCPU is
# saturated (generator + reader), the generator cannot go faster, and the
# reader kept up with all of it ("tput_ceiling" line).  Per geometry, read()
# path (the default).

# step GEOM BURST PERIOD: one rate run, printed; sets $events; true if clean.
step() {
	out=$(one rate "$1" read "$2" "$3")
	echo "$out"
	set -- $(echo "$out" | grep '^tput ')
	events=${12}
	[ "${13}" = 0 ] && [ "${14}" = ok ] && [ "${7}" = 0 ]
}

rate_series() {
	geom=$1 good=0 bad=0 b=1 prev=0
	for period in 100 10; do
		while [ "$b" -le 256 ]; do
			if ! step "$geom" "$b" "$period"; then
				bad=$b
				break
			fi
			good=$b
			if [ $((events * 10)) -lt $((prev * 11)) ]; then
				echo "tput_ceiling $geom $b $period"
				return 0
			fi
			prev=$events
			b=$((b * 2))
		done
		[ "$bad" -gt 0 ] && break
		b=32
	done
	[ "$bad" -gt 0 ] || return 0
	for i in 1 2; do
		mid=$(((good + bad) / 2))
		[ "$mid" -gt "$good" ] && [ "$mid" -lt "$bad" ] || break
		if step "$geom" "$mid" "$period"; then
			good=$mid
		else
			bad=$mid
		fi
	done
}
rate_series default
rate_series 4M
echo 4 > $P/validate_burst
echo 1000 > $P/validate_period_us
echo 63 > $P/validate_gens
