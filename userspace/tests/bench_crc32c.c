// SPDX-License-Identifier: GPL-2.0
/*
 * bench_crc32c: what the stream's CRC32C costs a reader, per MiB, with the
 * library's slicing-by-8 implementation and, for scale, the byte-at-a-time
 * bitwise one of the test encoder and a whole decode of a 4 KiB-sub-buffer
 * stream.  Host wall-clock time, best of several rounds.
 *
 *   bench_crc32c [MIB]     (default 64)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtrace.h"
#include "encoder.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A stream of @mib MiB: 4 KiB sub-buffers of 5-argument events. */
static void make_stream(struct enc *e, size_t mib)
{
	struct rtrace_event_desc d;
	struct enc_stream p = { .nr_cpus = 1, .descs = &d, .nr_descs = 1 };
	struct enc_rec r[300];
	uint64_t seed = 1, seq = 0, ts = 0;
	size_t k, n;

	enc_desc(&d, RTRACE_EV_FIRST_USER, "sched", 5, "a", RTRACE_FIELD_U64, "b",
		 RTRACE_FIELD_U64, "c", RTRACE_FIELD_U64, "d", RTRACE_FIELD_U64, "e",
		 RTRACE_FIELD_U64);
	enc_stream_hdr(e, &p);
	while (e->len < mib << 20) {
		size_t used = sizeof(struct rtrace_subbuf_hdr);

		for (n = 0; n < 300; n++) {
			memset(&r[n], 0, sizeof(r[n]));
			r[n].type = RTRACE_EV_FIRST_USER;
			r[n].nargs = 5;
			for (k = 0; k < 5; k++)
				r[n].args[k] = enc_rand(&seed) % 100000;
			ts += 500 + enc_rand(&seed) % 3000;
			r[n].ts = ts;
			used += 2 + 2 + 5 * 3;
			if (used > 4096 - 40)
				break;
		}
		enc_subbuf(e, 0, 0, seq++, r[0].ts, NULL, r, n);
	}
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64, i;
	double t, best_lib = 1e9, best_bit = 1e9, best_dec = 1e9;
	struct rtrace_event ev;
	volatile uint32_t sink = 0;
	struct enc e = { 0 };
	uint8_t *buf;
	uint64_t nev = 0;
	int round;

	buf = malloc(mib << 20);
	if (!buf)
		return 1;
	for (i = 0; i < mib << 20; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	for (round = 0; round < 5; round++) {
		t = now();
		sink ^= rtrace_crc32c__update(0, buf, mib << 20);
		t = now() - t;
		if (t < best_lib)
			best_lib = t;
	}
	for (round = 0; round < 2; round++) {
		t = now();
		sink ^= enc_crc32c(0, buf, 8 << 20);
		t = (now() - t) * mib / 8;
		if (t < best_bit)
			best_bit = t;
	}
	make_stream(&e, mib);
	for (round = 0; round < 3; round++) {
		struct rtrace_decoder *dec;

		t = now();
		dec = rtrace_decoder__new(e.buf, e.len, NULL);
		for (nev = 0; dec && rtrace_decoder__next(dec, &ev) == 1; nev++)
			sink ^= (uint32_t)ev.ts;
		rtrace_decoder__free(dec);
		t = now() - t;
		if (t < best_dec)
			best_dec = t;
	}
	printf("crc32c slicing-by-8 (library):  %8.1f us/MiB  %7.0f MiB/s\n",
	       best_lib * 1e6 / mib, mib / best_lib);
	printf("crc32c bitwise (test encoder):  %8.1f us/MiB  %7.0f MiB/s\n",
	       best_bit * 1e6 / mib, mib / best_bit);
	printf("decode (merged, CRC included):  %8.1f us/MiB  %7.0f MiB/s  (%llu events)\n",
	       best_dec * 1e6 / ((double)e.len / (1 << 20)), ((double)e.len / (1 << 20)) / best_dec,
	       (unsigned long long)nev);
	enc_free(&e);
	free(buf);
	return sink == 0x12345678;
}
