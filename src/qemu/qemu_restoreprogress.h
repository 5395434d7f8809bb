/*
 * qemu_restoreprogress.h: progress of a restore from the bytes QEMU reads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "qemu_domain.h"

gboolean qemuRestoreProgressParseIO(const char *text,
                                    unsigned long long *rchar);
unsigned long long qemuRestoreProgressReadBytes(pid_t pid);
void qemuRestoreProgressCompute(qemuDomainJobInfo *info,
                                unsigned long long rchar);
void qemuRestoreProgressBegin(qemuDomainObj *vm,
                              int fd,
                              uint64_t dataOffset);
void qemuRestoreProgressUpdate(qemuDomainObj *vm);
