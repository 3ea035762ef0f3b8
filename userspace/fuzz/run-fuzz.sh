#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build and run the decoder fuzzer; prints one TAP line.
#   run-fuzz.sh short|long OUTDIR CC SECONDS   (SECONDS 0 with long: until stopped)
# Skips (TAP SKIP) when the compiler or libFuzzer runtime is missing
# (Debian: clang-14 and libclang-rt-14-dev).
set -u
mode=$1 out=$2 cc=$3 secs=$4
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=$out/fuzz
bin=$dir/fuzz_decoder
name="fuzz-$mode: decoder"
mkdir -p "$dir/work" "$dir/artifacts"

flags="-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	> "$dir/probe.c"
if ! command -v "$cc" >/dev/null 2>&1 ||
   ! "$cc" $flags -o "$dir/probe" "$dir/probe.c" >"$dir/probe.log" 2>&1; then
	echo "ok 1 - $name # SKIP $cc with -fsanitize=fuzzer unavailable (install clang-14 libclang-rt-14-dev)"
	exit 0
fi
# Every library file; CRCs are checked but do not stop the decoder (see fuzz_decoder.c).
if ! "$cc" $flags -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -I"$top/uapi" -I"$top/userspace/lib" \
	-o "$bin" "$here/fuzz_decoder.c" "$top"/userspace/lib/*.c >"$dir/build.log" 2>&1; then
	echo "not ok 1 - $name: build failed"
	sed 's/^/# /' "$dir/build.log" | tail -20
	exit 1
fi

time_opt=
[ "$secs" -gt 0 ] && time_opt="-max_total_time=$secs"
# New inputs go to work/ (first dir); the committed corpus is only read.
"$bin" $time_opt -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	-artifact_prefix="$dir/artifacts/" "$dir/work" "$here/corpus" >"$dir/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1)
if [ $rc -eq 0 ]; then
	echo "ok 1 - $name ran ${runs:-?} inputs in ${secs}s, no crash"
else
	echo "not ok 1 - $name crashed (exit $rc); log $dir/fuzz.log, input in $dir/artifacts/"
	grep -E 'ERROR|SUMMARY|==[0-9]+==|runtime error|Test unit written' "$dir/fuzz.log" | head -20 | sed 's/^/# /'
	exit 1
fi
