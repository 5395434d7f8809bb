/*
 * vsfiledio.c: ask the kernel for O_DIRECT alignment
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This file is apart from vsfile.c because the statx DIOALIGN fields are
 * only declared by the kernel's uapi header, which clashes with glibc's
 * <sys/stat.h>.
 */

#include <config.h>

#include <fcntl.h>
#include <linux/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vsfile.h"

#ifndef STATX_DIOALIGN
# define STATX_DIOALIGN 0x00002000U
#endif


/**
 * vsFileGetDirectIOAlign:
 * @fd: an open file
 * @memAlign: return location for the buffer alignment O_DIRECT needs
 * @offsetAlign: return location for the offset and length alignment
 *
 * Uses statx(STATX_DIOALIGN) (Linux 6.1 and later). When the kernel or the
 * file system cannot tell, both alignments are set to
 * VS_DIRECT_IO_FALLBACK_ALIGN.
 *
 * Returns: TRUE if the kernel reported the alignment, FALSE if the fallback
 * was used. A reported alignment of 0 means the file does not support
 * O_DIRECT at all.
 */
gboolean
vsFileGetDirectIOAlign(int fd,
                       size_t *memAlign,
                       size_t *offsetAlign)
{
    struct statx stx = { 0 };

    *memAlign = VS_DIRECT_IO_FALLBACK_ALIGN;
    *offsetAlign = VS_DIRECT_IO_FALLBACK_ALIGN;

    if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) < 0)
        return FALSE;
    if (!(stx.stx_mask & STATX_DIOALIGN))
        return FALSE;

    *memAlign = stx.stx_dio_mem_align;
    *offsetAlign = stx.stx_dio_offset_align;
    return TRUE;
}
