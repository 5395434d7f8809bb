/*
 * qemu_firmwarepriv.h: firmware selection from chosen directories
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not for use outside qemu_firmware.c and its tests.
 */

#pragma once

#include "qemu_firmware.h"

gboolean qemuFirmwareFillDefFromDirs(const qemuDriverConfig *cfg,
                                     vsDomainDef *def,
                                     const char *const *dirs,
                                     GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
