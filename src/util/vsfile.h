/*
 * vsfile.h: descriptors, full and positioned I/O, O_DIRECT, durability
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

void vsFdAutoClose(int *fd);
/* A descriptor closed when it goes out of scope (GLib 2.74 has no
 * g_autofd). Initialise it to -1; hand it away with vsFdSteal(). */
#define VS_AUTOCLOSE __attribute__((cleanup(vsFdAutoClose)))

int vsFdSteal(int *fd);
void vsFdClose(int *fd);

void vsAlignedAutoFree(void *p);
/* A buffer from vsAlignedAlloc0() freed when it goes out of scope. */
#define VS_AUTOALIGNED __attribute__((cleanup(vsAlignedAutoFree)))

void *vsAlignedAlloc0(size_t size, size_t align);

int vsFileOpen(const char *path, int flags, mode_t mode, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

int vsFileOpenRegular(const char *path, int flags, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsFileCheckTarget(const char *path, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsFileCheckAbsolute(const char *path, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gssize vsFileRead(int fd, void *buf, size_t len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsFileReadFull(int fd, void *buf, size_t len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsFileWriteFull(int fd, const void *buf, size_t len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gssize vsFilePread(int fd, void *buf, size_t len, off_t offset,
                   GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean vsFilePreadFull(int fd, void *buf, size_t len, off_t offset,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean vsFilePwriteFull(int fd, const void *buf, size_t len, off_t offset,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean vsFileSync(int fd, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean vsFileSyncDir(const char *dir, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean vsFileGetSizes(int fd, uint64_t *size, uint64_t *allocated,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean vsFileGetDirectIOAlign(int fd, size_t *memAlign,
                                size_t *offsetAlign);
gboolean vsFileProbeDirectIO(const char *dir, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Alignment assumed when the kernel cannot tell (no statx DIOALIGN): the
 * largest logical block size in common use, safe for 512-byte devices
 * too. */
#define VS_DIRECT_IO_FALLBACK_ALIGN 4096
