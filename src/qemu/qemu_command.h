/*
 * qemu_command.h: build the QEMU command line for a domain definition
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The argument vector is a pure function of the definition and the
 * options: no files are opened, nothing is probed. The same definition
 * always yields the same devices with the same ids, buses and addresses,
 * which a restore depends on: QEMU's migration stream identifies device
 * state by device type and place (PCI address, ISA index, creation order
 * of same-typed devices), so the process that loads a save image must be
 * started from the definition stored in that image, or from one that
 * vsDomainDefCheckABIStability() accepts. docs/formatdomain.md maps each
 * element to its arguments.
 */

#pragma once

#include <glib.h>

#include "domain_conf.h"
#include "qemu_qcow2.h"

/* One descriptor to put into an fdset at exec: "-add-fd set=S,fd=F". The
 * caller makes @fd (the number in the QEMU process) inheritable. */
typedef struct _qemuCommandFd qemuCommandFd;
struct _qemuCommandFd {
    unsigned int set;           /* fdset id */
    int fd;                     /* descriptor number in QEMU, >= 3 */
    const char *opaque;         /* shown by query-fdsets; may be NULL */
};

typedef struct _qemuCommandOptions qemuCommandOptions;
struct _qemuCommandOptions {
    /* Binary when the definition has no <emulator>. */
    const char *emulator;
    /* "kvm" or "tcg"; NULL: from the domain type (kvm -> kvm, qemu ->
     * tcg). "tcg" may override a 'kvm' domain (hosts without KVM). */
    const char *accel;
    /* QMP monitor, one of the two:
     * - @monitorFd >= 0: a UNIX socket the driver has bound and put in
     *   the listening state, inherited by QEMU as that number; the driver
     *   may connect before QEMU even runs (preferred: no race, no path
     *   length limit);
     * - otherwise @monitorPath: QEMU creates and listens on the socket,
     *   the driver connects once it exists.
     * Either way QEMU does not wait for the client (server=on,wait=off). */
    int monitorFd;
    const char *monitorPath;
    /* QEMU writes its pid here; NULL for none. */
    const char *pidfile;
    /* Start with "-incoming defer" to load a save image by
     * migrate-incoming. */
    gboolean incoming;
    /* Descriptors for "-add-fd", in this order. */
    const qemuCommandFd *fds;
    size_t nfds;
    /* Backing chains the driver resolved (qemuQcow2ResolveChain()): disk
     * alias -> #GPtrArray of #qemuQcow2Layer, possibly empty. A qcow2
     * disk listed here gets every backing node explicitly (or "backing":
     * null); one not listed is left to QEMU. NULL: none listed. */
    GHashTable *diskChains;
    /* Non-NULL: the main RAM is this file's region from @ramOffset, as
     * a private copy-on-write mapping (lazy restore of a sparse image,
     * docs/save-restore.md). */
    const char *ramPath;
    unsigned long long ramOffset;
    /* Per interface of the definition, in order: the descriptor numbers
     * in QEMU of its tap and of its vhost-net device, -1 for none. Every
     * interface but type 'user' needs a tap. NULL: no descriptors. */
    const int *netTapFds;
    const int *netVhostFds;
};

/* Initialises @opts: no monitor fd, everything else empty. */
void qemuCommandOptionsInit(qemuCommandOptions *opts);

GStrv qemuBuildCommandLine(const vsDomainDef *def,
                           const qemuCommandOptions *opts,
                           GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* The QEMU chardev id of a serial port ("charserial0"), as
 * query-chardev reports it (e.g. to find the pty of a 'pty' serial). */
char *qemuBuildSerialChardevAlias(const vsDomainChrDef *serial);

/* "kvm" or "tcg": the accelerator qemuBuildCommandLine() selects. */
const char *qemuCommandAccel(const vsDomainDef *def,
                             const qemuCommandOptions *opts);
