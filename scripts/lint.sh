#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint: checkpatch.pl --strict on the kernel-side sources, then one build
# of every module with sparse (C=2) and W=1 for the cloud kernel, then
# check-writer and test-extend (a new source, exporter and subcommand).  Any
# checkpatch error/warning/check, compiler or sparse warning fails.  Prints TAP.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
cd "$RTRACE_TOP"

cp_dir=$RTRACE_CACHE/checkpatch
[ -x "$cp_dir/scripts/checkpatch.pl" ] || scripts/deps.sh >&2
n=0 failed=0
result() {	# result STATUS NAME LOGFILE
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - lint: $2"
	else
		echo "not ok $n - lint: $2"
		sed 's/^/# /' "$3" | head -n 80
		failed=1
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
# Every kernel-side file, in every subdirectory of kmod/.
files=$( { find kmod -name '*.[ch]' ! -name '*.mod.c'; ls include/*.h uapi/linux/*.h \
	selftests/kmod/*.c bench/*.c; } 2>/dev/null | sort)
# Per-file exceptions, each for a reason checkpatch cannot know: version
# checks are what the compat header is for; uapi headers cannot use
# BIT()/BIT_ULL() (not exported to userspace); source.h declares one source
# per row of kmod/sources/table.h with a macro that must end in ';' (an
# X-macro: the rows have no separator).
ignore_for() {
	local ignore=FILE_PATH_CHANGES
	case $1 in
	kmod/compat/compat.h)	ignore=$ignore,LINUX_VERSION_CODE,CONSTANT_COMPARISON ;;
	kmod/sources/source.h)	ignore=$ignore,TRAILING_SEMICOLON ;;
	uapi/*)			ignore=$ignore,BIT_MACRO ;;
	esac
	echo "$ignore"
}
# One checkpatch run per set of exceptions (perl's start and checkpatch's
# tables cost about as much as checking a file: 28 CPU-s file by file, 14
# this way); its report is split back into one result per file.
declare -A ign=()
for f in $files; do
	ign[$f]=$(ignore_for "$f")
done
for ignore in $(printf '%s\n' "${ign[@]}" | sort -u); do
	group=
	for f in $files; do
		[ "${ign[$f]}" = "$ignore" ] && group="$group $f"
	done
	# shellcheck disable=SC2086
	"$cp_dir/scripts/checkpatch.pl" --strict --no-tree --show-types \
		--ignore "$ignore" -f $group > "$tmp/cp.$ignore" 2>&1
done
for f in $files; do
	# The file's section: from its name (checkpatch prints it, underlined,
	# before the file's findings when it checks more than one) to its
	# "total:" line; a file checked alone has the whole report.  A file
	# missing from its group's report has nothing, and fails.
	rep=$tmp/cp.${ign[$f]}
	awk -v f="$f" '$0 == f { getline; if ($0 ~ /^-+$/) on = 1; next }
		on { print } on && /^total:/ { exit }' "$rep" > "$tmp/cp"
	[ -s "$tmp/cp" ] || [ "$(grep -c '^total:' "$rep")" != 1 ] || cp "$rep" "$tmp/cp"
	st=0
	grep -qE '^total: 0 errors, 0 warnings, 0 checks' "$tmp/cp" || st=1
	result $st "checkpatch --strict $f" "$tmp/cp"
done

# Compiler and sparse warnings come out on stderr with "warning:"/"error:".
lint_build() {	# lint_build NAME KBUILD-ARGS...
	local name=$1
	shift
	scripts/build-modules.sh cloud --suffix "$name" -- "$@" > /dev/null 2> "$tmp/b"
	local st=$?
	grep -E 'warning:|error:|sparse:' "$tmp/b" > "$tmp/w" && st=1
	[ $st = 0 ] || { cat "$tmp/w" "$tmp/b" | head -n 60 > "$tmp/w2"; mv "$tmp/w2" "$tmp/b"; }
	result $st "build of the modules for cloud with ${*}" "$tmp/b"
}
# One build, in its own directory so its flags never mix with the test
# builds': C=2 runs sparse on every file as it compiles it with W=1's
# warnings (two builds cost 45 CPU-s more for the same findings).
lint_build w1 C=2 W=1

# The writer is untraceable: no __fentry__, no call outside the writer set
# and its allow-list, every writer function NOKPROBE.  --test proves the
# check rejects a writer that lost notrace.
scripts/check-writer build/cloud-w1/kmod/rtrace.ko > "$tmp/cw" 2>&1
result $? "check-writer build/cloud-w1/kmod/rtrace.ko" "$tmp/cw"
scripts/check-writer --test > "$tmp/cwt" 2>&1
st=$?
grep -q '^not ok' "$tmp/cwt" && st=1
result $st "check-writer --test (a writer without notrace is rejected)" "$tmp/cwt"

# A new source, exporter and subcommand are one file plus one row each:
# scripts/test-extend adds them to a copy of the tree and builds it.
scripts/test-extend cloud > "$tmp/ext" 2>&1
st=$?
grep -q '^not ok' "$tmp/ext" && st=1
result $st "test-extend (a new source, exporter and subcommand: one file and one row each)" "$tmp/ext"

echo "1..$n"
exit $failed
