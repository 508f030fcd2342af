// SHA-256 compression with the x86 SHA extensions (SHA-NI). The structure follows the
// public-domain reference code for these instructions: the state is kept as two vectors,
// ABEF and CDGH, because that is the layout sha256rnds2 operates on.
//
// The function carries its own target attribute so the rest of the package needs no
// -msha flag; callers must check csha256_has_shani() first.

#include "CSHA256.h"

// FIPS 180-4 round constants, for this routine and the portable Swift one alike.
const uint32_t csha256_round_constants[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#if defined(__x86_64__) || defined(__i386__)

#include <cpuid.h>
#include <immintrin.h>

int csha256_has_shani(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(ecx & (1u << 19)) || !(ecx & (1u << 9))) return 0;  // SSE4.1, SSSE3
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx >> 29) & 1;  // SHA
}


// Four rounds for message group g (words 4g..4g+3): sha256rnds2 does two rounds and
// takes its two W+K words from the low half of the third operand.
#define ROUNDS4(g, w)                                                              \
    do {                                                                           \
        msg = _mm_add_epi32((w), _mm_load_si128((const __m128i *)&csha256_round_constants[4 * (g)]));    \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, msg);                             \
        msg = _mm_shuffle_epi32(msg, 0x0E);                                        \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, msg);                             \
    } while (0)

// Message schedule: `next` holds msg1(W[g-3], W[g-2]) and becomes W[g+1], built from the
// current group `cur` = W[g] and the one before it, `prev` = W[g-1].
#define SCHEDULE_NEXT(next, cur, prev) \
    next = _mm_sha256msg2_epu32(_mm_add_epi32(next, _mm_alignr_epi8(cur, prev, 4)), cur)

// Starts W[g+3] from W[g-1] (`old`, no longer needed afterwards) and W[g] (`cur`).
#define SCHEDULE_PREPARE(old, cur) old = _mm_sha256msg1_epu32(old, cur)

__attribute__((target("sha,sse4.1,ssse3")))
void csha256_compress_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    // Big-endian message words: reverse the bytes of each 32-bit lane.
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

    // H0..H7 -> ABEF / CDGH (high to low lanes).
    __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);   // DCBA
    __m128i cdgh = _mm_loadu_si128((const __m128i *)&state[4]);  // HGFE
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                          // CDAB
    cdgh = _mm_shuffle_epi32(cdgh, 0x1B);                        // EFGH
    __m128i abef = _mm_alignr_epi8(tmp, cdgh, 8);                // ABEF
    cdgh = _mm_blend_epi16(cdgh, tmp, 0xF0);                     // CDGH

    while (blocks--) {
        const __m128i abef_saved = abef, cdgh_saved = cdgh;
        __m128i msg;
        __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 0)), bswap);
        __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), bswap);
        __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), bswap);
        __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), bswap);

        ROUNDS4(0, w0);
        ROUNDS4(1, w1);  SCHEDULE_PREPARE(w0, w1);
        ROUNDS4(2, w2);  SCHEDULE_PREPARE(w1, w2);
        ROUNDS4(3, w3);  SCHEDULE_NEXT(w0, w3, w2); SCHEDULE_PREPARE(w2, w3);
        ROUNDS4(4, w0);  SCHEDULE_NEXT(w1, w0, w3); SCHEDULE_PREPARE(w3, w0);
        ROUNDS4(5, w1);  SCHEDULE_NEXT(w2, w1, w0); SCHEDULE_PREPARE(w0, w1);
        ROUNDS4(6, w2);  SCHEDULE_NEXT(w3, w2, w1); SCHEDULE_PREPARE(w1, w2);
        ROUNDS4(7, w3);  SCHEDULE_NEXT(w0, w3, w2); SCHEDULE_PREPARE(w2, w3);
        ROUNDS4(8, w0);  SCHEDULE_NEXT(w1, w0, w3); SCHEDULE_PREPARE(w3, w0);
        ROUNDS4(9, w1);  SCHEDULE_NEXT(w2, w1, w0); SCHEDULE_PREPARE(w0, w1);
        ROUNDS4(10, w2); SCHEDULE_NEXT(w3, w2, w1); SCHEDULE_PREPARE(w1, w2);
        ROUNDS4(11, w3); SCHEDULE_NEXT(w0, w3, w2); SCHEDULE_PREPARE(w2, w3);
        ROUNDS4(12, w0); SCHEDULE_NEXT(w1, w0, w3); SCHEDULE_PREPARE(w3, w0);
        ROUNDS4(13, w1); SCHEDULE_NEXT(w2, w1, w0);
        ROUNDS4(14, w2); SCHEDULE_NEXT(w3, w2, w1);
        ROUNDS4(15, w3);

        abef = _mm_add_epi32(abef, abef_saved);
        cdgh = _mm_add_epi32(cdgh, cdgh_saved);
        data += 64;
    }

    // ABEF / CDGH -> H0..H7.
    tmp = _mm_shuffle_epi32(abef, 0x1B);         // FEBA
    cdgh = _mm_shuffle_epi32(cdgh, 0xB1);        // DCHG
    abef = _mm_blend_epi16(tmp, cdgh, 0xF0);     // DCBA
    cdgh = _mm_alignr_epi8(cdgh, tmp, 8);        // HGFE
    _mm_storeu_si128((__m128i *)&state[0], abef);
    _mm_storeu_si128((__m128i *)&state[4], cdgh);
}

#else

int csha256_has_shani(void) { return 0; }

void csha256_compress_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    // Never called: csha256_has_shani() is 0 here.
    (void)state; (void)data; (void)blocks;
}

#endif
