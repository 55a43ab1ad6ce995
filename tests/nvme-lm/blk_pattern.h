/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verified block pattern of the migration tests' I/O programs
 * (nvme_vfio_io over VFIO, vm_blk_io in a migrated VM): every logical block
 * written carries a header (magic, seed, LBA, generation, checksum over the
 * block) and a payload derived from the seed, the LBA and the generation,
 * so that a read of a block tells whether it holds exactly the write it
 * should: not an older one, not another run's, not another LBA's.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef LM_TESTS_BLK_PATTERN_H
#define LM_TESTS_BLK_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BLK_MAGIC	0x4f49564eu	/* "NVIO" */

/**
 * struct blk_hdr - what starts every logical block written
 * @magic: BLK_MAGIC
 * @seed: the run's seed, so that a block of another run does not pass
 * @lba: where the block was meant to go
 * @gen: the write's generation, from 1
 * @lba_size: the block's size, the extent of @csum
 * @csum: checksum of the whole block with @csum taken as 0
 */
struct blk_hdr {
	uint32_t magic;
	uint32_t seed;
	uint64_t lba;
	uint32_t gen;
	uint32_t lba_size;
	uint64_t csum;
};

/* splitmix64's finaliser: the payload words, and a seed's first state. */
static inline uint64_t blk_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* xorshift64, for the choices (which LBA, how many blocks). */
static inline uint64_t blk_rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* FNV-1a over 64-bit words, @csum taken as 0; @size is a multiple of 8. */
static inline uint64_t blk_csum(const uint8_t *blk, uint32_t size)
{
	uint64_t h = 0xcbf29ce484222325ull, w;
	uint32_t i;

	for (i = 0; i < size; i += 8) {
		if (i == offsetof(struct blk_hdr, csum))
			w = 0;
		else
			memcpy(&w, blk + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	return h;
}

static inline uint64_t blk_payload_word(uint32_t seed, uint64_t lba,
					uint32_t gen, uint32_t i)
{
	return blk_mix64((uint64_t)seed << 32 ^ lba * 0x100000001b3ull ^
			 (uint64_t)gen << 20 ^ i);
}

/* Fill the @size bytes at @blk with generation @gen of block @lba. */
static inline void blk_fill(uint8_t *blk, uint32_t size, uint32_t seed,
			    uint64_t lba, uint32_t gen)
{
	struct blk_hdr hdr = {
		.magic = BLK_MAGIC, .seed = seed, .lba = lba, .gen = gen,
		.lba_size = size,
	};
	uint32_t i;

	for (i = sizeof(hdr); i < size; i += 8) {
		uint64_t w = blk_payload_word(seed, lba, gen, i);

		memcpy(blk + i, &w, 8);
	}
	memcpy(blk, &hdr, sizeof(hdr));
	hdr.csum = blk_csum(blk, size);
	memcpy(blk, &hdr, sizeof(hdr));
}

/*
 * Check the @size bytes at @blk, read from @lba, against generation @gen:
 * NULL if they are what that write put there, else why not. The header
 * found is left in @found.
 */
static inline const char *blk_check(const uint8_t *blk, uint32_t size,
				    uint32_t seed, uint64_t lba, uint32_t gen,
				    struct blk_hdr *found)
{
	uint32_t i;

	memcpy(found, blk, sizeof(*found));
	if (found->magic != BLK_MAGIC)
		return "no block header";
	if (found->seed != seed)
		return "another run's block";
	if (found->lba != lba)
		return "written to another LBA";
	if (found->gen != gen)
		return "another write's block";
	if (found->lba_size != size)
		return "another block size";
	if (found->csum != blk_csum(blk, size))
		return "checksum mismatch";
	for (i = sizeof(*found); i < size; i += 8) {
		uint64_t w, want = blk_payload_word(seed, lba, gen, i);

		memcpy(&w, blk + i, 8);
		if (w != want)
			return "payload differs from the pattern";
	}
	return NULL;
}

#endif /* LM_TESTS_BLK_PATTERN_H */
