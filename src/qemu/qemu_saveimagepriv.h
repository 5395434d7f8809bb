/*
 * qemu_saveimagepriv.h: save image parsers on memory, for tests and fuzzing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_saveimage.h"

gboolean qemuSaveImageParseHeader(const void *buf,
                                  size_t len,
                                  qemuSaveHeader *hdr,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveImageParseData(const char *data,
                                const qemuSaveHeader *hdr,
                                char **xml,
                                char **cookie,
                                GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveImageCheckMappedRamMem(const uint8_t *data,
                                        size_t len,
                                        const qemuSaveHeader *hdr,
                                        qemuSaveMappedRamReport **report,
                                        GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveImageCheckStreamEndMem(const uint8_t *data,
                                        size_t len,
                                        const qemuSaveHeader *hdr,
                                        uint64_t *vmdescLen,
                                        GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
