#ifndef CREADNOWAIT_H
#define CREADNOWAIT_H

#include <stddef.h>

/// pread of up to `count` bytes at `offset` that never waits for the disk (preadv2 with
/// RWF_NOWAIT): -1 with errno EAGAIN when the bytes are not in the page cache, or another
/// errno (EOPNOTSUPP) where the file system or kernel cannot tell.
long creadnowait_pread(int descriptor, void *buffer, size_t count, long long offset);

#endif
