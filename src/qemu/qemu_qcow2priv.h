/*
 * qemu_qcow2priv.h: the qcow2 header parser on memory, for tests and fuzzing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdint.h>

#include "qemu_qcow2.h"

/* Bytes of an image the parser looks at: the header, its extensions and
 * the backing file name all lie in the first cluster, and a header whose
 * backing file name or extensions reach beyond this is refused. */
#define QEMU_QCOW2_HEADER_READ_MAX 65536

gboolean qemuQcow2ParseHeader(const uint8_t *buf,
                              size_t len,
                              qemuQcow2Header *hdr,
                              GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
