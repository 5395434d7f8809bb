/*
 * qemu_firmware.h: UEFI firmware selection and per-domain NVRAM files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "domain_conf.h"
#include "qemu_conf.h"

gboolean qemuFirmwareFillDef(const qemuDriverConfig *cfg,
                             vsDomainDef *def,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuFirmwarePrepare(const vsDomainDef *def,
                             gboolean resetNVRAM,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
