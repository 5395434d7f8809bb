/*
 * qemu_tpm.h: the swtpm process behind an emulated TPM 2.0
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "domain_conf.h"
#include "qemu_conf.h"

char *qemuTPMStateDir(const qemuDriverConfig *cfg,
                      const vsDomainDef *def);

gboolean qemuTPMStart(const qemuDriverConfig *cfg,
                      vsDomainDef *def,
                      GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

void qemuTPMStop(const qemuDriverConfig *cfg,
                 const vsDomainDef *def);

gboolean qemuTPMRemoveState(const qemuDriverConfig *cfg,
                            const vsDomainDef *def,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
