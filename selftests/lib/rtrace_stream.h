/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace selftests' one record decoder and CRC32C, shared by the
 * ring unit tests (selftests/unit) and the device tests (selftests/rtrace).
 * Written from uapi/linux/rtrace.h alone and kept apart from librtrace on
 * purpose, so that the library and the tests check each other.
 */
#ifndef _RTRACE_SELFTEST_STREAM_H
#define _RTRACE_SELFTEST_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <uapi/linux/rtrace.h>

/* One decoded record. */
struct rt_record {
	unsigned int type;
	unsigned int n;			/* argument count, or RTRACE_REC_RAW */
	uint64_t delta;
	uint64_t args[RTRACE_REC_MAX_ARGS];
	const uint8_t *raw;
	uint64_t raw_len;
};

/* One unsigned LEB128 varint at *@p (before @end).  Return: 0, or -1 if malformed. */
static inline int rt_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	unsigned int shift = 0, i;

	*v = 0;
	for (i = 0; i < RTRACE_REC_MAX_VARINT; i++, shift += 7) {
		if (*p >= end)
			return -1;
		*v |= (uint64_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80))
			return 0;
	}
	return -1;
}

/*
 * Decode the record at *@p (records end at @end) and move *@p past it.
 * Return: 0, or a message saying what is wrong.
 */
static inline const char *rt_record_next(const uint8_t **p, const uint8_t *end,
					 struct rt_record *r)
{
	uint64_t h;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	if (rt_varint(p, end, &h) || !h)
		return "bad record header";
	r->type = (unsigned int)(h >> 4);
	r->n = h & 15;
	if (!r->type)
		return "record of type 0";
	if (rt_varint(p, end, &r->delta))
		return "bad delta";
	if (r->n == RTRACE_REC_RAW) {
		if (rt_varint(p, end, &r->raw_len) || r->raw_len > (uint64_t)(end - *p))
			return "bad raw length";
		r->raw = *p;
		*p += r->raw_len;
		return NULL;
	}
	for (i = 0; i < r->n; i++)
		if (rt_varint(p, end, &r->args[i]))
			return "bad argument";
	return NULL;
}

/* CRC32C as the uapi defines it (bitwise: slow, obviously right). */
static inline uint32_t rt_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *b++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* The CRC of a unit of @len bytes whose own crc field is at byte @crc_at. */
static inline uint32_t rt_unit_crc(const uint8_t *unit, size_t len, size_t crc_at)
{
	static const uint8_t zero[4];
	uint32_t crc = rt_crc32c(0, unit, crc_at);

	crc = rt_crc32c(crc, zero, sizeof(zero));
	return rt_crc32c(crc, unit + crc_at + 4, len - crc_at - 4);
}

#endif /* _RTRACE_SELFTEST_STREAM_H */
