// Linux calls that Swift's Glibc module does not import (glibc declares them only under
// _GNU_SOURCE, which the module is built without). glibc 2.28+ provides them.
#include <stdio.h>

// rename(2) that fails with EEXIST instead of replacing the destination.
int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

#define GENREKIT_RENAME_NOREPLACE (1 << 0)
static const unsigned int genrekit_rename_noreplace = GENREKIT_RENAME_NOREPLACE;

#include <malloc.h>

// Keeps freed blocks of up to `bytes` in the process for reuse instead of returning each to the
// kernel (glibc maps blocks over 32 MB on their own and unmaps them when freed).
static inline void genrekit_keep_freed_blocks(int bytes) {
    mallopt(M_MMAP_THRESHOLD, bytes);
    mallopt(M_TRIM_THRESHOLD, bytes);
}
