#ifndef CBYTESCAN_H
#define CBYTESCAN_H

#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// One bit per byte of the 64 bytes at `bytes` (bit i for byte i): set where the byte is
/// `delimiter`, a quote, LF or CR, the bytes that end or complicate a CSV field. With
/// SSE2 (every x86-64 CPU) 16 bytes are compared at once; Swift has no portable way to
/// gather a vector comparison into a bit mask.
static inline uint64_t cbytescan_csv_specials64(const uint8_t *bytes, uint8_t delimiter) {
#if defined(__SSE2__)
    const __m128i delimiters = _mm_set1_epi8((char)delimiter);
    const __m128i quotes = _mm_set1_epi8('"');
    const __m128i lfs = _mm_set1_epi8('\n');
    const __m128i crs = _mm_set1_epi8('\r');
    uint64_t mask = 0;
    for (int part = 0; part < 4; part++) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(bytes + 16 * part));
        const __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, delimiters), _mm_cmpeq_epi8(v, quotes)),
                                          _mm_or_si128(_mm_cmpeq_epi8(v, lfs), _mm_cmpeq_epi8(v, crs)));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hits) << (16 * part);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int index = 0; index < 64; index++) {
        const uint8_t byte = bytes[index];
        if (byte == delimiter || byte == '"' || byte == '\n' || byte == '\r') mask |= (uint64_t)1 << index;
    }
    return mask;
#endif
}

#endif
