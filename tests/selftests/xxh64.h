/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XXH64 for the lm selftests: the checksum of the migration data stream,
 * computed in user space to check streams as they pass and to re-seal
 * deliberately damaged ones. Written from the published algorithm
 * description; one-shot and incremental forms give the same result.
 */
#ifndef LM_SELFTEST_XXH64_H
#define LM_SELFTEST_XXH64_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define XXH64_PRIME1 11400714785074694791ULL
#define XXH64_PRIME2 14029467366897019727ULL
#define XXH64_PRIME3 1609587929392839161ULL
#define XXH64_PRIME4 9650029242287828579ULL
#define XXH64_PRIME5 2870177450012600261ULL

#define XXH64_STRIPE 32

struct xxh64_state {
	uint64_t seed;
	uint64_t total;			/* bytes consumed so far */
	uint64_t acc[4];		/* lane accumulators */
	uint8_t buf[XXH64_STRIPE];	/* bytes of an incomplete stripe */
	size_t buffered;
};

static inline uint64_t xxh64_rotl(uint64_t x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t xxh64_le64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline uint32_t xxh64_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t xxh64_round(uint64_t acc, uint64_t lane)
{
	acc += lane * XXH64_PRIME2;
	acc = xxh64_rotl(acc, 31);
	return acc * XXH64_PRIME1;
}

static inline uint64_t xxh64_merge(uint64_t h, uint64_t acc)
{
	h ^= xxh64_round(0, acc);
	return h * XXH64_PRIME1 + XXH64_PRIME4;
}

static inline void xxh64_stripe(uint64_t acc[4], const uint8_t *p)
{
	acc[0] = xxh64_round(acc[0], xxh64_le64(p));
	acc[1] = xxh64_round(acc[1], xxh64_le64(p + 8));
	acc[2] = xxh64_round(acc[2], xxh64_le64(p + 16));
	acc[3] = xxh64_round(acc[3], xxh64_le64(p + 24));
}

static inline void xxh64_init(struct xxh64_state *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->seed = seed;
	s->acc[0] = seed + XXH64_PRIME1 + XXH64_PRIME2;
	s->acc[1] = seed + XXH64_PRIME2;
	s->acc[2] = seed;
	s->acc[3] = seed - XXH64_PRIME1;
}

static inline void xxh64_update(struct xxh64_state *s, const void *data,
				size_t len)
{
	const uint8_t *p = data;

	s->total += len;
	if (s->buffered) {
		size_t take = XXH64_STRIPE - s->buffered;

		if (take > len)
			take = len;
		memcpy(s->buf + s->buffered, p, take);
		s->buffered += take;
		p += take;
		len -= take;
		if (s->buffered < XXH64_STRIPE)
			return;
		xxh64_stripe(s->acc, s->buf);
		s->buffered = 0;
	}
	for (; len >= XXH64_STRIPE; p += XXH64_STRIPE, len -= XXH64_STRIPE)
		xxh64_stripe(s->acc, p);
	memcpy(s->buf, p, len);
	s->buffered = len;
}

static inline uint64_t xxh64_digest(const struct xxh64_state *s)
{
	const uint8_t *p = s->buf, *end = s->buf + s->buffered;
	uint64_t h;

	if (s->total >= XXH64_STRIPE) {
		h = xxh64_rotl(s->acc[0], 1) + xxh64_rotl(s->acc[1], 7) +
		    xxh64_rotl(s->acc[2], 12) + xxh64_rotl(s->acc[3], 18);
		h = xxh64_merge(h, s->acc[0]);
		h = xxh64_merge(h, s->acc[1]);
		h = xxh64_merge(h, s->acc[2]);
		h = xxh64_merge(h, s->acc[3]);
	} else {
		h = s->seed + XXH64_PRIME5;
	}
	h += s->total;

	for (; end - p >= 8; p += 8) {
		h ^= xxh64_round(0, xxh64_le64(p));
		h = xxh64_rotl(h, 27) * XXH64_PRIME1 + XXH64_PRIME4;
	}
	if (end - p >= 4) {
		h ^= xxh64_le32(p) * XXH64_PRIME1;
		h = xxh64_rotl(h, 23) * XXH64_PRIME2 + XXH64_PRIME3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= *p * XXH64_PRIME5;
		h = xxh64_rotl(h, 11) * XXH64_PRIME1;
	}

	h ^= h >> 33;
	h *= XXH64_PRIME2;
	h ^= h >> 29;
	h *= XXH64_PRIME3;
	h ^= h >> 32;
	return h;
}

static inline uint64_t xxh64(const void *data, size_t len, uint64_t seed)
{
	struct xxh64_state s;

	xxh64_init(&s, seed);
	xxh64_update(&s, data, len);
	return xxh64_digest(&s);
}

/*
 * Check the implementation against published vectors and the incremental
 * form against the one-shot one, over every length up to three stripes split
 * at every point. Returns 0, or the number of the first failed check.
 */
static inline int xxh64_selftest(void)
{
	static const struct {
		const char *in;
		uint64_t seed;
		uint64_t hash;
	} vectors[] = {
		{ "", 0, 0xef46db3751d8e999ULL },
		{ "a", 0, 0xd24ec4f1a98c6e5bULL },
		{ "abc", 0, 0x44bc2cf5ad770999ULL },
		{ "Nobody inspects the spammish repetition", 0,
		  0xfbcea83c8a378bf1ULL },
		{ "abc", 0x5eed, 0x8d426a6317907203ULL },
	};
	uint8_t data[3 * XXH64_STRIPE + 7];
	struct xxh64_state s;
	size_t i, len, split;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		if (xxh64(vectors[i].in, strlen(vectors[i].in),
			  vectors[i].seed) != vectors[i].hash)
			return i + 1;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + 7);
	/* Three stripes and every tail step, with a seed. */
	if (xxh64(data, 100, 0x9e3779b97f4a7c15ULL) != 0x35546bd9a4779ae4ULL)
		return 50;
	for (len = 0; len <= sizeof(data); len++) {
		uint64_t want = xxh64(data, len, 0x5eed);

		for (split = 0; split <= len; split++) {
			xxh64_init(&s, 0x5eed);
			xxh64_update(&s, data, split);
			xxh64_update(&s, data + split, len - split);
			if (xxh64_digest(&s) != want)
				return 100;
		}
	}
	return 0;
}

#endif /* LM_SELFTEST_XXH64_H */
