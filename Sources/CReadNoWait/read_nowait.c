// preadv2 and RWF_NOWAIT are declared only under _GNU_SOURCE, which the Swift Glibc module
// is not built with.
#define _GNU_SOURCE
#include <errno.h>
#include <sys/uio.h>

#include "CReadNoWait.h"

long creadnowait_pread(int descriptor, void *buffer, size_t count, long long offset) {
#ifdef RWF_NOWAIT
    struct iovec vector = {.iov_base = buffer, .iov_len = count};
    return (long)preadv2(descriptor, &vector, 1, (off_t)offset, RWF_NOWAIT);
#else
    (void)descriptor; (void)buffer; (void)count; (void)offset;
    errno = EOPNOTSUPP;
    return -1;
#endif
}
