// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: librtrace's decoder must survive any byte sequence.
 * Decodes the input in both orders, walks every accessor, and traps on a
 * broken invariant (events pointing outside the input, impossible counts).
 * ASan/UBSan (built in by the Makefile) catch memory errors and UB; leaks
 * are reported by LeakSanitizer at exit.  Built with
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, the decoder computes every CRC
 * but does not stop at a mismatch, so mutations reach what the CRC guards.
 * Also runs the exporter path (packets and events, every exporter of the
 * table; ctf writes into one temporary directory per process).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rtrace.h"

#define ASSERT(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size, int order)
{
	struct rtrace_decoder_opts o = { .sz = sizeof(o), .order = order };
	struct rtrace_decoder *dec = rtrace_decoder__new(data, size, &o);
	struct rtrace_lane_info tot;
	struct rtrace_event ev;
	uint64_t n = 0;
	unsigned int i, s;

	if (!dec)
		return;		/* only on ENOMEM */
	while (rtrace_decoder__next(dec, &ev) == 1) {
		n++;
		ASSERT(ev.nr_args <= RTRACE_REC_RAW);
		ASSERT(ev.lane < 256 && ev.cpu < 65536 && ev.type && ev.type <= RTRACE_EV_MAX);
		ASSERT(ev.offset < size);
		ASSERT(!ev.raw || (ev.raw >= data && ev.raw_len <= size &&
				   ev.raw + ev.raw_len <= data + size));
		ASSERT(ev.session < rtrace_decoder__nr_sessions(dec));
		if (ev.desc)
			ASSERT(ev.desc->name[sizeof(ev.desc->name) - 1] == '\0');
		ASSERT(n <= size / 2);
	}
	ASSERT(rtrace_decoder__next(dec, &ev) == 0);
	rtrace_decoder__totals(dec, &tot);
	ASSERT(tot.events == n);
	ASSERT(rtrace_decoder__valid_bytes(dec) <= size);
	ASSERT(rtrace_decoder__error(dec)->code < RTRACE_DEC_NR_CODES);
	ASSERT(rtrace_decoder__error(dec)->code != RTRACE_DEC_OK ||
	       rtrace_decoder__valid_bytes(dec) == size);
	for (i = 0; i < rtrace_decoder__nr_lanes(dec); i++)
		ASSERT(rtrace_decoder__lane(dec, i)->subbufs > 0);
	for (s = 0; s < rtrace_decoder__nr_sessions(dec); s++)
		for (i = 0; i < rtrace_decoder__nr_event_types(dec, s); i++)
			ASSERT(rtrace_decoder__event_type_at(dec, s, i) != NULL);
	rtrace_decoder__free(dec);
}

static int count_packet(void *priv, const struct rtrace_packet *p)
{
	ASSERT(p->lane < 256 && p->commit <= (1u << 20));
	(*(uint64_t *)priv)++;
	return 0;
}

static int ex_begin(void **priv, struct rtrace_decoder *dec, const struct rtrace_export_opts *o)
{
	static uint64_t packets;

	(void)dec;
	(void)o;
	packets = 0;
	*priv = &packets;
	return 0;
}

static int ex_end(void *priv, struct rtrace_decoder *dec)
{
	ASSERT(*(uint64_t *)priv <= rtrace_decoder__nr_packets(dec));
	return 0;
}

static char export_tmp[64];

/* Remove the directory of export_dir() and what the exporters wrote into it. */
static void export_dir_remove(void)
{
	struct dirent *de;
	DIR *d = opendir(export_tmp);

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(export_tmp);
}

/* A directory for the exporters that write one (ctf), made once per process. */
static const char *export_dir(void)
{
	if (!export_tmp[0]) {
		snprintf(export_tmp, sizeof(export_tmp), "%s/rtrace-fuzz.XXXXXX",
			 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
		if (!mkdtemp(export_tmp))
			export_tmp[0] = 0;
		else
			atexit(export_dir_remove);
	}
	return export_tmp[0] ? export_tmp : NULL;
}

/* Every exporter of the table, and one that checks the packets, to /dev/null. */
static void run_export(const uint8_t *data, size_t size)
{
	static const struct rtrace_exporter count = {
		.name = "count", .begin = ex_begin, .packet = count_packet, .end = ex_end,
	};
	const struct rtrace_exporter *xs[8] = { &count };
	struct rtrace_export_opts o = { .sz = sizeof(o), .path = export_dir() };
	struct rtrace_decoder *dec = rtrace_decoder__new(data, size, NULL);
	unsigned int n = 1, i;

	if (!dec)
		return;
	for (i = 0; n < 8 && rtrace_exporter__at(i); i++) {
		xs[n] = rtrace_exporter__at(i);
		if (!(xs[n]->flags & RTRACE_EXPORT_DIR) || o.path)
			n++;
	}
	o.out = fopen("/dev/null", "w");
	if (o.out) {
		ASSERT(rtrace_decoder__export(dec, xs, n, &o) == 0);
		fclose(o.out);
	}
	rtrace_decoder__free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v;
	int r;

	run(data, size, RTRACE_ORDER_MERGED);
	run(data, size, RTRACE_ORDER_STREAM);
	run_export(data, size);
	r = rtrace_varint__decode(data, size, &v);
	ASSERT(r < 0 || (r >= 1 && r <= RTRACE_REC_MAX_VARINT && (size_t)r <= size));
	return 0;
}
