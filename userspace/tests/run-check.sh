#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make -C userspace check: every userspace test, one TAP stream.
#   - unit tests (test_lib) built static with the default compiler
#   - the same tests, and the CLI tests, built with clang -fsanitize=address,undefined
#   - the unit tests and CLI decode runs under valgrind (dynamic build) for leaks/errors
#   - the CLI tests with the shipped static binary
#   - fuzz-short (~30 s of libFuzzer on the decoder), skipped if the runtime is missing
# Exit status non-zero if any test failed.
set -u
O=$1
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
MAKE=${MAKE:-make}
SAN_CC=${SAN_CC:-clang}
log=$O/check-logs
mkdir -p "$log"

step() {	# step NAME CMD...: a build step as one TAP line
	name=$1
	shift
	if "$@" >"$log/step.log" 2>&1; then
		echo "ok - $name"
	else
		echo "not ok - $name"
		tail -20 "$log/step.log" | sed 's/^/# /'
	fi
}

tap_prog() {	# tap_prog NAME CMD...: pass a program's TAP through; a crash is a failure
	name=$1
	shift
	"$@" >"$log/prog.out" 2>&1
	rc=$?
	grep -v '^TAP version\|^1\.\.' "$log/prog.out"
	if ! grep -q '^1\.\.[0-9]' "$log/prog.out"; then
		echo "not ok - $name ended without a TAP plan (exit $rc): crashed?"
	fi
}

valgrind_run() {	# valgrind_run NAME MAX_RC CMD...: no error, no leak, exit <= MAX_RC
	name=$1 max=$2
	shift 2
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "ok - $name # SKIP valgrind not installed"
		return
	fi
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect "$@" >"$log/vg.out" 2>"$log/vg.err"
	rc=$?
	if [ $rc -le "$max" ]; then
		echo "ok - $name"
	else
		echo "not ok - $name (exit $rc; 99 = valgrind found errors)"
		grep -v '^ok' "$log/vg.out" "$log/vg.err" | head -30 | sed 's/^/# /'
	fi
}

run() {	# valgrind_run NAME CMD...: no error, no leak
	name=$1
	shift
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "ok - $name # SKIP valgrind not installed"
		return
	fi
	if valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect "$@" >"$log/vg.out" 2>"$log/vg.err"; then
		echo "ok - $name"
	else
		rc=$?
		echo "not ok - $name (exit $rc)"
		grep -v '^ok' "$log/vg.out" "$log/vg.err" | head -30 | sed 's/^/# /'
	fi
}

# make install into a staging directory; a program built against the
# installed header and library only must decode a stream.
install_test() {
	d=$log/install
	rm -rf "$d"
	step "install: make install DESTDIR=... PREFIX=/usr" \
		$MAKE -C "$src" O="$O" install DESTDIR="$d" PREFIX=/usr
	for f in bin/rtrace lib/librtrace.a include/rtrace/rtrace.h include/linux/rtrace.h; do
		if [ -f "$d/usr/$f" ]; then
			echo "ok - install: /usr/$f"
		else
			echo "not ok - install: /usr/$f missing"
		fi
	done
	if "$d/usr/bin/rtrace" --help 2>&1 | grep -q '^usage'; then
		echo "ok - install: installed rtrace --help"
	else
		echo "not ok - install: installed rtrace --help"
	fi
	cat > "$d/user.c" <<-'EOF'
	#include <rtrace/rtrace.h>
	int main(void)
	{
		uint8_t b[10];
		uint64_t v;

		return !(rtrace_varint__encode(300, b) == 2 &&
			 rtrace_varint__decode(b, 2, &v) == 2 && v == 300 &&
			 RTRACE_ABI_VERSION > 0);
	}
	EOF
	step "install: a program builds against the installed header and library" \
		${CC:-cc} -I"$d/usr/include" -o "$d/user" "$d/user.c" -L"$d/usr/lib" -lrtrace
	step "install: that program runs" "$d/user"
}

run() {
	echo "TAP version 13"
	step "build: gcc static (lib, cli, tests)" $MAKE -C "$src" O="$O" all
	tap_prog test_lib "$O/tests/test_lib" "lib: "
	tap_prog test_verify "$O/tests/test_verify" "verify: "
	tap_prog test_cli.sh "$here/test_cli.sh" "$O/rtrace" "$O/tests/gen_stream" "cli: "
	tap_prog test_export.sh "$here/test_export.sh" "$O/rtrace" "$O/tests/gen_stream" "export: "

	install_test

	step "build: $SAN_CC -fsanitize=address,undefined" \
		$MAKE -C "$src" O="$O/san" SAN=1 CC="$SAN_CC" all
	if [ -x "$O/san/tests/test_lib" ]; then
		export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
		tap_prog "asan+ubsan test_lib" "$O/san/tests/test_lib" "asan+ubsan lib: "
		tap_prog "asan+ubsan test_verify" "$O/san/tests/test_verify" "asan+ubsan verify: "
		tap_prog "asan+ubsan test_cli.sh" \
			"$here/test_cli.sh" "$O/san/rtrace" "$O/tests/gen_stream" "asan+ubsan cli: "
		tap_prog "asan+ubsan test_export.sh" \
			"$here/test_export.sh" "$O/san/rtrace" "$O/tests/gen_stream" "asan+ubsan export: "
	fi

	step "build: dynamic for valgrind" $MAKE -C "$src" O="$O/dyn" STATIC=0 all
	if [ -x "$O/dyn/tests/test_lib" ]; then
		valgrind_run "valgrind: test_lib clean" 0 "$O/dyn/tests/test_lib"
		valgrind_run "valgrind: test_verify clean" 0 "$O/dyn/tests/test_verify"
		"$O/tests/gen_stream" sample "$log/vg.dat" 5 40
		valgrind_run "valgrind: rtrace decode clean" 0 "$O/dyn/rtrace" decode "$log/vg.dat"
		valgrind_run "valgrind: rtrace report clean" 0 "$O/dyn/rtrace" report "$log/vg.dat"
		"$O/tests/gen_stream" kernel "$log/vgk.dat" 5 10
		rm -rf "$log/vg.ctf" "$log/vg.pftrace"
		valgrind_run "valgrind: rtrace convert --to ctf clean" 0 \
			"$O/dyn/rtrace" convert "$log/vgk.dat" --to ctf -o "$log/vg.ctf"
		valgrind_run "valgrind: rtrace convert --to perfetto clean" 0 \
			"$O/dyn/rtrace" convert "$log/vgk.dat" --to perfetto -o "$log/vg.pftrace"
		head -c 5000 "$log/vg.dat" >"$log/vg-cut.dat"
		rm -rf "$log/vg-cut.ctf"
		valgrind_run "valgrind: rtrace convert of a cut stream clean" 1 \
			"$O/dyn/rtrace" convert "$log/vg-cut.dat" --to ctf -o "$log/vg-cut.ctf"
		valgrind_run "valgrind: rtrace decode of a cut stream clean" 1 \
			"$O/dyn/rtrace" decode "$log/vg-cut.dat"
		for f in "$src"/fuzz/corpus/*; do
			valgrind_run "valgrind: rtrace check corpus/$(basename "$f")" 1 \
				"$O/dyn/rtrace" check "$f"
		done
	fi
	"$src/fuzz/run-fuzz.sh" short "$O" "${FUZZ_CC:-clang}" "${FUZZ_SHORT_TIME:-30}"
}

# Number the TAP lines of all steps as one stream, then the plan.
run | awk '
	/^(not )?ok/ {
		n++
		neg = /^not ok/
		sub(/^(not )?ok( [0-9]+)?( -)?/, "")
		printf "%s %d -%s\n", neg ? "not ok" : "ok", n, $0
		if (neg) failed++
		next
	}
	/^TAP version/ { next }
	{ print }
	END { printf "1..%d\n", n; exit failed ? 1 : 0 }
'
