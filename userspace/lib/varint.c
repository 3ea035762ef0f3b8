// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: the record encoding's unsigned LEB128 varints, zigzag for S64
 * fields, the clock conversion and names of the ABI's enumerations.
 */
#include <errno.h>

#include "internal.h"

int rtrace_varint__encode(uint64_t val, uint8_t *out)
{
	int n = 0;

	while (val >= 0x80) {
		out[n++] = (uint8_t)(val | 0x80);
		val >>= 7;
	}
	out[n++] = (uint8_t)val;
	return n;
}

int rtrace_varint__decode(const uint8_t *p, size_t len, uint64_t *val)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < RTRACE_REC_MAX_VARINT; i++) {
		uint8_t b;

		if (i >= len)
			return -ENODATA;
		b = p[i];
		/* The 10th byte holds bit 63 only: anything more overflows. */
		if (i == RTRACE_REC_MAX_VARINT - 1 && b > 1)
			return -EOVERFLOW;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*val = v;
			return (int)i + 1;
		}
	}
	return -EOVERFLOW;
}

uint64_t rtrace_varint__zigzag(int64_t v)
{
	/* Arithmetic on the unsigned representation: no signed overflow. */
	uint64_t u = (uint64_t)v;

	return (u << 1) ^ (0 - (u >> 63));
}

int64_t rtrace_varint__unzigzag(uint64_t u)
{
	uint64_t v = (u >> 1) ^ (0 - (u & 1));
	int64_t s;

	memcpy(&s, &v, sizeof(s));
	return s;
}

uint64_t rtrace_clock__to_ns(const struct rtrace_stream_hdr *hdr, uint64_t cyc)
{
	unsigned int shift = hdr->clock_shift;
	unsigned __int128 prod;

	if (shift > 127)	/* the decoder rejects these; stay defined anyway */
		shift = 127;
	if (cyc >= hdr->clock_zero_cyc) {
		prod = (unsigned __int128)(cyc - hdr->clock_zero_cyc) * hdr->clock_mult;
		return hdr->clock_zero_ns + (uint64_t)(prod >> shift);
	}
	prod = (unsigned __int128)(hdr->clock_zero_cyc - cyc) * hdr->clock_mult;
	return hdr->clock_zero_ns - (uint64_t)(prod >> shift);
}

const char *rtrace_lane__name(unsigned int lane)
{
	static const char * const names[RTRACE_NR_LANES] = {
		[RTRACE_LANE_TASK] = "task",
		[RTRACE_LANE_SOFTIRQ] = "softirq",
		[RTRACE_LANE_HARDIRQ] = "hardirq",
		[RTRACE_LANE_NMI] = "nmi",
		[RTRACE_LANE_SPARE] = "spare",
	};

	return lane < ARRAY_SIZE(names) ? names[lane] : "lane?";
}

const char *rtrace_lost__name(unsigned int cause)
{
	static const char * const names[RTRACE_NR_LOST] = {
		[RTRACE_LOST_FULL] = "full",
		[RTRACE_LOST_RECURSION] = "recursion",
		[RTRACE_LOST_TOO_LARGE] = "too_large",
		[RTRACE_LOST_OFF] = "off",
		[RTRACE_LOST_OVERWRITTEN] = "overwritten",
	};

	return cause < ARRAY_SIZE(names) ? names[cause] : "?";
}

const char *rtrace_decode_code__name(int code)
{
	static const char * const names[RTRACE_DEC_NR_CODES] = {
		[RTRACE_DEC_OK] = "ok",
		[RTRACE_DEC_TRUNCATED] = "truncated",
		[RTRACE_DEC_EMPTY] = "empty",
		[RTRACE_DEC_BAD_MAGIC] = "bad-magic",
		[RTRACE_DEC_BAD_STREAM_HDR] = "bad-stream-header",
		[RTRACE_DEC_BAD_VERSION] = "bad-abi-version",
		[RTRACE_DEC_BAD_EVENT_TABLE] = "bad-event-table",
		[RTRACE_DEC_BAD_SUBBUF_HDR] = "bad-subbuf-header",
		[RTRACE_DEC_BAD_COMMIT] = "bad-commit",
		[RTRACE_DEC_BAD_CPU] = "bad-cpu",
		[RTRACE_DEC_BAD_LANE] = "bad-lane",
		[RTRACE_DEC_BAD_SEQ] = "bad-seq",
		[RTRACE_DEC_BAD_VARINT] = "bad-varint",
		[RTRACE_DEC_BAD_RECORD] = "bad-record",
		[RTRACE_DEC_BAD_NR_EVENTS] = "bad-nr-events",
		[RTRACE_DEC_NOMEM] = "out-of-memory",
		[RTRACE_DEC_BAD_CRC] = "bad-crc",
		[RTRACE_DEC_BAD_TYPE] = "bad-type",
		[RTRACE_DEC_RING_BROKEN] = "ring-broken",
	};

	if (code < 0 || code >= RTRACE_DEC_NR_CODES)
		return "?";
	return names[code];
}
