#ifndef CBYTESCAN_H
#define CBYTESCAN_H

#include <stddef.h>
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

/// What a row's `count` bytes hold, for the reader's decision whether the row needs checks
/// of its own: bit 0 set when some byte is below 0x20, bit 1 when some byte is 0x80 or
/// above. Sixteen bytes at a time (the last sixteen overlapping the others), so a row costs
/// a few vector compares rather than a walk of its words.
static inline unsigned cbytescan_row_classes(const uint8_t *bytes, size_t count) {
    unsigned classes = 0;
#if defined(__SSE2__)
    if (count >= 16) {
        const __m128i controlMax = _mm_set1_epi8(0x1F);
        int high = 0, control = 0;
        size_t index = 0;
        for (;;) {
            const __m128i v = _mm_loadu_si128((const __m128i *)(bytes + index));
            high |= _mm_movemask_epi8(v);
            control |= _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, controlMax), v));
            if (index + 16 == count) break;
            index = index + 32 <= count ? index + 16 : count - 16;
        }
        return (control != 0 ? 1u : 0u) | (high != 0 ? 2u : 0u);
    }
#endif
    for (size_t index = 0; index < count; index++) {
        if (bytes[index] < 0x20) classes |= 1u;
        if (bytes[index] >= 0x80) classes |= 2u;
    }
    return classes;
}

#endif
