#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tests of rtrace convert (the CTF and Perfetto exporters) on streams from the
# test encoder: babeltrace2 must read every CTF trace with every event equal to
# rtrace decode's and its discarded-event warnings equal to the lost counts;
# protoc must decode every Perfetto trace against lib/perfetto_trace.proto with
# the right events, timestamps and sched_switch pid/comm (tests/export_check.py
# compares); bad input and bad arguments fail cleanly.
#   test_export.sh RTRACE GEN_STREAM [NAME_PREFIX]
# Prints TAP 13.  babeltrace2 and protoc come from scripts/deps.sh.
set -u
R=$1 GEN=$2 P=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
PROTO_DIR=$(cd "$here/../lib" && pwd)
CHECK="python3 $here/export_check.py"
T=$(mktemp -d /tmp/rtrace-export.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0 failed=0

result() {	# result OK|FAIL|SKIP name [diagnostic file or reason]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $P$2"
	elif [ "$1" = SKIP ]; then
		echo "ok $n - $P$2 # SKIP $3"
	else
		echo "not ok $n - $P$2"
		failed=$((failed + 1))
		[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/# /' "$3" | head -20
	fi
}

# expect_rc RC name -- command...: exit status RC; stderr not empty when RC != 0
expect_rc() {
	want=$1 name=$2
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq "$want" ] && { [ "$want" -eq 0 ] || [ -s "$T/err" ]; }; then
		result OK "$name"
	else
		echo "exit $rc, wanted $want: $*" >>"$T/err"
		result FAIL "$name" "$T/err"
	fi
}

echo "TAP version 13"
"$GEN" kernel "$T/k.dat" 3 8 || exit 1
"$GEN" kernel "$T/k2.dat" 11 40 || exit 1
"$GEN" sample "$T/d.dat" 8 40 || exit 1		# discard mode, losses of every cause
"$GEN" sample "$T/o.dat" 7 40 || exit 1		# overwrite mode: seq gaps, overwritten
"$GEN" concat "$T/c.dat" || exit 1		# two sessions
"$GEN" future "$T/f.dat" || exit 1		# a later minor: an unknown loss cause

# --- CTF: babeltrace2 reads it, every event and every loss as rtrace decode says
if command -v babeltrace2 >/dev/null 2>&1; then
	for c in k k2 d o c f; do
		"$R" decode "$T/$c.dat" >"$T/$c.txt" 2>/dev/null
		"$R" report --json "$T/$c.dat" >"$T/$c.json" 2>/dev/null
		expect_rc 0 "ctf $c: convert" -- "$R" convert "$T/$c.dat" --to ctf -o "$T/$c.ctf"
		babeltrace2 --clock-cycles --no-delta "$T/$c.ctf" >"$T/$c.bt" 2>"$T/$c.bterr"
		[ $? -eq 0 ] && result OK "ctf $c: babeltrace2 reads it" ||
			result FAIL "ctf $c: babeltrace2 reads it" "$T/$c.bterr"
		rep="$T/$c.json"
		[ $c = f ] && rep=-	# report --json has no per-lane count of unknown causes
		$CHECK ctf "$T/$c.txt" "$T/$c.bt" "$T/$c.bterr" "$rep" >"$T/chk" 2>&1 &&
			result OK "ctf $c: every event (name, ts, cpu, lane, fields) and loss matches decode" ||
			result FAIL "ctf $c: every event and loss matches decode" "$T/chk"
		cat "$T/chk"
	done
	grep -q "Tracer discarded 8 events.*cpu0_task" "$T/f.bterr" &&
		result OK "ctf f: an unknown loss cause counts as discarded (3 known + 5)" ||
		result FAIL "ctf f: an unknown loss cause counts as discarded" "$T/f.bterr"
	ls "$T/c.ctf" | grep -q '^s1_cpu[0-9]*_' && grep -q 'stream_id = 1;' "$T/c.ctf/metadata" &&
		result OK "ctf c: the second session has its own stream class and files" ||
		result FAIL "ctf c: the second session has its own stream class and files"
	grep -q 'domain = "kernel";' "$T/k.ctf/metadata" &&
		grep -q 'tracer_name = "lttng-modules";' "$T/k.ctf/metadata" &&
		grep -q 'freq = 1000000000;' "$T/k.ctf/metadata" &&
		result OK "ctf metadata: domain kernel, tracer_name lttng-modules, ns clock" ||
		result FAIL "ctf metadata: env and clock" "$T/k.ctf/metadata"
	grep -q 'sched_switch: .*prev_comm = "swapper/[01]", prev_tid = 0, .*next_comm = "make-worker-one", next_tid = 201' "$T/k.bt" &&
		grep -q 'next_comm = "cc1"' "$T/k.bt" && grep -q 'next_comm = "make-exec"' "$T/k.bt" &&
		grep -q 'next_comm = "make", next_tid = 200' "$T/k.bt" &&
		grep -q 'syscall_entry_unknown: ' "$T/k.bt" && grep -q 'irq_softirq_entry: ' "$T/k.bt" &&
		grep -q 'marker: .*msg = "phase 2: ping-pong"' "$T/k.bt" &&
		result OK "ctf k: LTTng names, comm by time (renamed, named later), markers as text" ||
		result FAIL "ctf k: LTTng names and comm" "$T/k.bt"
	"$R" convert "$T/k.dat" --to ctf -o "$T/k-again.ctf" 2>/dev/null
	diff -r "$T/k.ctf" "$T/k-again.ctf" >/dev/null &&
		result OK "ctf: the same capture gives the same bytes" ||
		result FAIL "ctf: the same capture gives the same bytes"
else
	result SKIP "ctf: babeltrace2" "babeltrace2 not installed (scripts/deps.sh)"
fi

# --- Perfetto: protoc decodes it; events, timestamps, sched_switch pid/comm
if command -v protoc >/dev/null 2>&1; then
	for c in k k2 d c; do
		[ -f "$T/$c.txt" ] || "$R" decode "$T/$c.dat" >"$T/$c.txt" 2>/dev/null
		expect_rc 0 "perfetto $c: convert" -- "$R" convert "$T/$c.dat" --to perfetto -o "$T/$c.pftrace"
		protoc --decode=perfetto.protos.Trace -I "$PROTO_DIR" perfetto_trace.proto \
			<"$T/$c.pftrace" >"$T/$c.pt" 2>"$T/perr"
		[ $? -eq 0 ] && [ -s "$T/$c.pt" ] && [ ! -s "$T/perr" ] &&
			result OK "perfetto $c: protoc --decode reads it, no complaint (strings valid UTF-8)" ||
			result FAIL "perfetto $c: protoc --decode reads it" "$T/perr"
		$CHECK perfetto "$T/$c.txt" "$T/$c.pt" >"$T/chk" 2>&1 &&
			result OK "perfetto $c: ftrace events, instants, timestamps, sched_switch pid/comm match" ||
			result FAIL "perfetto $c: events match decode" "$T/chk"
		cat "$T/chk"
	done
	grep -q 'name: "make-worker-one"' "$T/k.pt" && grep -q 'cmdline: "make-exec"' "$T/k.pt" &&
		grep -q 'name: "phase 1: build"' "$T/k.pt" && grep -q 'name: "rtrace: 5 events lost"' "$T/k.pt" &&
		grep -q 'lost_events: true' "$T/k.pt" && grep -q 'machine: "x86_64"' "$T/k.pt" &&
		result OK "perfetto k: process tree, marker instants, losses shown" ||
		result FAIL "perfetto k: process tree, marker instants, losses shown" "$T/k.pt"
	awk '/^    event {/ { ev = 1 } ev && /timestamp:/ { if ($2 < last[cpu]) bad = 1; last[cpu] = $2 }
	     /^    cpu:/ { cpu = $2 } END { exit bad }' "$T/k2.pt" &&
		result OK "perfetto k2: each bundle's events in timestamp order" ||
		result FAIL "perfetto k2: each bundle's events in timestamp order"
else
	result SKIP "perfetto: protoc" "protoc not installed (scripts/deps.sh)"
fi

# --- bad input: a clear error with the byte offset, non-zero exit, no crash
size=$(wc -c <"$T/k.dat")
head -c $((size - 100)) "$T/k.dat" >"$T/cut.dat"
for to in ctf perfetto; do
	o="$T/cut.$to"
	expect_rc 1 "$to: truncated capture fails" -- "$R" convert "$T/cut.dat" --to $to -o "$o"
	grep -q "truncated at byte [0-9]" "$T/err" && [ -e "$o" ] &&
		result OK "$to: truncated capture: offset given, what decoded is converted" ||
		result FAIL "$to: truncated capture: offset given" "$T/err"
done
cp "$T/k.dat" "$T/crc.dat"
printf '\377' | dd of="$T/crc.dat" bs=1 seek=$((size - 7)) conv=notrunc 2>/dev/null
expect_rc 1 "ctf: damaged capture fails" -- "$R" convert "$T/crc.dat" --to ctf -o "$T/crc.ctf"
grep -q "bad-crc at byte [0-9]" "$T/err" && result OK "ctf: damaged capture: offset given" ||
	result FAIL "ctf: damaged capture: offset given" "$T/err"
printf 'this is not a capture at all, no no no no no no no no no no no no no no no no no no no no\n' \
	>"$T/junk.dat"
expect_rc 1 "perfetto: not a capture" -- "$R" convert "$T/junk.dat" --to perfetto -o "$T/junk.pf"
grep -q "at byte 0" "$T/err" && result OK "not a capture: offset 0 named" ||
	result FAIL "not a capture: offset 0 named" "$T/err"
expect_rc 1 "output in a missing directory" -- "$R" convert "$T/k.dat" --to perfetto -o "$T/nodir/x.pf"
grep -q "nodir/x.pf: No such file" "$T/err" && result OK "output in a missing directory: named" ||
	result FAIL "output in a missing directory: named" "$T/err"
expect_rc 1 "missing input file" -- "$R" convert "$T/none.dat" --to ctf -o "$T/none.ctf"
[ ! -e "$T/none.ctf" ] && result OK "missing input: nothing written" ||
	result FAIL "missing input: nothing written"
"$R" convert - --to perfetto -o "$T/stdin.pf" <"$T/k.dat" 2>"$T/err" && cmp -s "$T/stdin.pf" "$T/k.pftrace" &&
	result OK "perfetto: standard input converts as the file does" ||
	result FAIL "perfetto: standard input converts as the file does" "$T/err"

# --- bad arguments: exit 2
expect_rc 2 "--to nosuch" -- "$R" convert "$T/k.dat" --to nosuch -o "$T/x"
grep -q "nosuch.*--to list" "$T/err" && result OK "--to nosuch: says how to list formats" ||
	result FAIL "--to nosuch: says how to list formats" "$T/err"
expect_rc 2 "no --to" -- "$R" convert "$T/k.dat" -o "$T/x"
expect_rc 2 "no -o" -- "$R" convert "$T/k.dat" --to perfetto
expect_rc 2 "no input" -- "$R" convert --to perfetto -o "$T/x"
expect_rc 2 "two inputs" -- "$R" convert "$T/k.dat" "$T/d.dat" --to perfetto -o "$T/x"
expect_rc 2 "ctf to stdout" -- "$R" convert "$T/k.dat" --to ctf -o -
expect_rc 2 "bad option" -- "$R" convert --bogus "$T/k.dat"
expect_rc 2 "decode --format ctf: a directory format" -- "$R" decode --format ctf "$T/k.dat"
[ ! -e "$T/x" ] && result OK "bad arguments: nothing written" || result FAIL "bad arguments: nothing written"
expect_rc 0 "--to list" -- "$R" convert --to list
grep -q "^ctf " "$T/out" && grep -q "^perfetto " "$T/out" &&
	result OK "--to list names ctf and perfetto" || result FAIL "--to list names ctf and perfetto" "$T/out"
expect_rc 0 "convert --help" -- "$R" convert --help
missing=
for w in "--to ctf" "--to perfetto" "babeltrace2" "Trace Compass" "ui.perfetto.dev" "-f, --force" \
	 "byte offset" "Documentation/export.md"; do
	grep -q -- "$w" "$T/out" || missing="$missing '$w'"
done
[ -z "$missing" ] && result OK "convert --help: formats, viewers, -f, errors, documentation" ||
	{ echo "missing:$missing" >"$T/err"; result FAIL "convert --help answers" "$T/err"; }

# --- existing output: refused without -f (untouched), replaced with -f
printf 'precious' >"$T/keep.pf"
expect_rc 1 "perfetto: existing file without -f" -- "$R" convert "$T/k.dat" --to perfetto -o "$T/keep.pf"
grep -q "keep.pf exists.*-f" "$T/err" && [ "$(cat "$T/keep.pf")" = precious ] &&
	result OK "perfetto: existing file refused, -f named, untouched" ||
	result FAIL "perfetto: existing file refused, untouched" "$T/err"
expect_rc 0 "perfetto: -f replaces it" -- "$R" convert -f "$T/k.dat" --to perfetto -o "$T/keep.pf"
cmp -s "$T/keep.pf" "$T/k.pftrace" && result OK "perfetto: -f wrote the whole trace" ||
	result FAIL "perfetto: -f wrote the whole trace"
ls "$T" | grep -q '\.tmp\.' && result FAIL "no temporary file left" || result OK "no temporary file left"
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
"$R" convert "$T/k.dat" --to perfetto -o "$T/fifo" 2>"$T/err"
rc=$?
wait
[ $rc -eq 0 ] && [ -p "$T/fifo" ] && cmp -s "$T/fifo.out" "$T/k.pftrace" &&
	result OK "perfetto: a FIFO is written through (no -f needed), not replaced" ||
	result FAIL "perfetto: a FIFO is written through, not replaced" "$T/err"
ln -s keep.pf "$T/link.pf"
expect_rc 1 "perfetto: a symlink to an existing file without -f" -- \
	"$R" convert "$T/d.dat" --to perfetto -o "$T/link.pf"
expect_rc 0 "perfetto: -f through a symlink" -- "$R" convert -f "$T/d.dat" --to perfetto -o "$T/link.pf"
"$R" convert "$T/d.dat" --to perfetto -o "$T/d.pftrace" 2>/dev/null
[ -L "$T/link.pf" ] && cmp -s "$T/keep.pf" "$T/d.pftrace" &&
	result OK "perfetto: -f writes through a symlink, which stays a symlink" ||
	result FAIL "perfetto: -f writes through a symlink, which stays a symlink"
cp "$T/k.ctf/metadata" "$T/meta.before"
expect_rc 1 "ctf: existing directory without -f" -- "$R" convert "$T/d.dat" --to ctf -o "$T/k.ctf"
cmp -s "$T/k.ctf/metadata" "$T/meta.before" && result OK "ctf: existing directory untouched" ||
	result FAIL "ctf: existing directory untouched"
expect_rc 0 "ctf: -f replaces a CTF directory" -- "$R" convert -f "$T/d.dat" --to ctf -o "$T/k.ctf"
[ -d "$T/d.ctf" ] || "$R" convert "$T/d.dat" --to ctf -o "$T/d.ctf" 2>/dev/null
diff -r "$T/k.ctf" "$T/d.ctf" >"$T/err" 2>&1 &&
	result OK "ctf: -f left nothing of the old trace (same files as a fresh conversion)" ||
	result FAIL "ctf: -f left nothing of the old trace" "$T/err"
mkdir "$T/mine"
printf 'mine' >"$T/mine/notes.txt"
expect_rc 1 "ctf: -f on a directory with other files" -- "$R" convert -f "$T/k.dat" --to ctf -o "$T/mine"
[ "$(ls "$T/mine")" = notes.txt ] && result OK "ctf: a foreign directory is not touched" ||
	result FAIL "ctf: a foreign directory is not touched"
expect_rc 1 "ctf: -f on a regular file" -- "$R" convert -f "$T/k.dat" --to ctf -o "$T/keep.pf"

echo "1..$n"
[ $failed -eq 0 ]
