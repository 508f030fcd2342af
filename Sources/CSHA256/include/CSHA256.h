#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The 64 round constants K of FIPS 180-4 (16-byte aligned).
extern const uint32_t csha256_round_constants[64];

/// Nonzero when the CPU has the SHA extensions (plus SSSE3 and SSE4.1, which the
/// compression routine also uses). Always 0 on non-x86 builds.
int csha256_has_shani(void);

/// Runs the SHA-256 compression function over `blocks` consecutive 64-byte blocks.
/// `state` is H0..H7 in FIPS 180-4 order. Only call this when csha256_has_shani()
/// returned nonzero.
void csha256_compress_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#ifdef __cplusplus
}
#endif

#endif
