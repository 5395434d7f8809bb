/*
 * qemu_process.h: launching, watching, reattaching and stopping QEMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every function here is called with vm->lock held and the domain's job
 * owned by the caller (qemuDomainJobBegin()); the lock is released while
 * waiting for QEMU (exec, monitor connection, exit), never the job.
 */

#pragma once

#include <glib.h>

#include "qemu_domain.h"

/* How long a new QEMU may take to open its monitor. TCG on a loaded
 * two-core host with a large guest needs a few seconds; a QEMU that
 * exits earlier is noticed at once through its pidfd. */
#define QEMU_PROCESS_MONITOR_TIMEOUT_MS 30000

/* A descriptor QEMU inherits at exec and finds in fdset @fdset, labelled
 * @opaque, through "-add-fd set=S,fd=N,opaque=O". The caller keeps its
 * own descriptor and closes it after qemuProcessStart() returns. */
typedef struct _qemuProcessFd qemuProcessFd;
struct _qemuProcessFd {
    int fd;
    unsigned int fdset;
    const char *opaque;             /* may be NULL */
};

/* What qemuProcessStart() does beyond booting the definition. A zeroed
 * struct (or NULL options) boots and runs the guest. */
typedef struct _qemuProcessStartOpts qemuProcessStartOpts;
struct _qemuProcessStartOpts {
    /* Leave the vCPUs stopped: start --paused, or a restore that resumes
     * them itself after the incoming migration. The domain is then
     * paused with @pausedReason (default VS_DOMAIN_PAUSED_USER). */
    gboolean paused;
    vsDomainPausedReason pausedReason;
    /* Reason for running when not @paused (default BOOTED). */
    vsDomainRunningReason runningReason;
    /* Start with "-incoming defer": the caller follows up with
     * migrate-incoming. Implies @paused. */
    gboolean incomingDefer;
    /* Descriptors for -add-fd. */
    const qemuProcessFd *fds;
    size_t nfds;
    /* The definition to run instead of the domain's persistent one
     * (transfer none; copied), e.g. the XML of a save image. NULL: the
     * persistent definition. */
    const vsDomainDef *def;
    /* Create the NVRAM file from its template even if it exists. */
    gboolean resetNVRAM;
    /* Lazy restore: @mapRam maps the main RAM from @ramFd at
     * @ramOffset (see qemuCommandOptions). QEMU inherits @ramFd as is,
     * not in an fdset: it closes what -add-fd gave it and opens the
     * backend with open(2), so it reopens the inherited descriptor
     * through /proc/self/fd and keeps it open for its life. */
    gboolean mapRam;
    int ramFd;
    unsigned long long ramOffset;
};

gboolean qemuProcessStart(qemuDriver *driver,
                          qemuDomainObj *vm,
                          const qemuProcessStartOpts *opts,
                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Flags of qemuProcessStop(). */
typedef enum {
    /* Wait for QEMU to exit by itself (after quit, or when it is known
     * to be exiting) before resorting to signals. */
    QEMU_PROCESS_STOP_GRACEFUL = 1 << 0,
} qemuProcessStopFlags;

void qemuProcessStop(qemuDriver *driver,
                     qemuDomainObj *vm,
                     vsDomainShutoffReason reason,
                     unsigned int flags);

gboolean qemuProcessSignal(pid_t pid,
                           int pidfd,
                           int signum);
gboolean qemuProcessKill(qemuDomainObj *vm,
                         int signum);

/* At driver start, with no lock held and persistent domains loaded:
 * reattach to the QEMU of every status file in the state directory. */
void qemuProcessReattachAll(qemuDriver *driver);

unsigned long long qemuProcessGetCPUTime(pid_t pid);

char *qemuProcessReadLogTail(const char *path,
                             off_t offset,
                             size_t maxBytes);

/* The monitor callbacks of every domain's QEMU: see qemu_domain.h. The
 * opaque is a reference to the domain object, dropped by dispose. */
extern const qemuMonitorCallbacks qemuProcessMonitorCallbacks;

char *qemuProcessFindEmulator(qemuDriver *driver,
                              const vsDomainDef *def,
                              GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
