/*
 * qemu_process.c: launching, watching, reattaching and stopping QEMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_process.h"
#include "qemu_firmware.h"
#include "qemu_interface.h"
#include "qemu_tpm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_command.h"
#include "qemu_monitor_json.h"
#include "qemu_qcow2.h"
#include "qemu_lazyrestore.h"
#include "qemu_recover.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"
#include "vsspawn.h"

VS_LOG_INIT("qemu.process");

/* After SIGKILL the kernel tears the process down on its own schedule;
 * a QEMU with gigabytes of guest memory takes a moment to unmap it. */
#define QEMU_PROCESS_KILL_WAIT_MS 10000
/* Reattach: the monitor socket already exists, so connecting is quick. */
#define QEMU_PROCESS_REATTACH_TIMEOUT_MS 5000
/* How long a QEMU whose monitor failed during start-up may take to exit
 * before the monitor's error is reported instead of QEMU's own. */
#define QEMU_PROCESS_EXIT_GRACE_MS 3000
/* How much of QEMU's log an error message quotes. */
#define QEMU_PROCESS_LOG_TAIL 1024


/* ---- small helpers ------------------------------------------------ */

static int
qemuProcessPidfdOpen(pid_t pid)
{
    return syscall(SYS_pidfd_open, pid, 0);
}


/* Wait up to @timeoutMs (< 0: forever) for the process behind @pidfd
 * (or @pid when there is no pidfd) to end. Returns TRUE once it has. */
static gboolean
qemuProcessWaitGone(pid_t pid,
                    int pidfd,
                    int timeoutMs)
{
    gint64 deadline = g_get_monotonic_time() +
                      (gint64) timeoutMs * G_TIME_SPAN_MILLISECOND;

    if (pidfd >= 0) {
        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
        int rc;

        do {
            gint64 left = (deadline - g_get_monotonic_time()) / 1000;

            rc = poll(&pfd, 1, timeoutMs < 0 ? -1 : (int) MAX(left, 0));
        } while (rc < 0 && errno == EINTR);
        return rc > 0;
    }

    /* No pidfd (old kernel): all that is left is polling for the pid. */
    while (kill(pid, 0) == 0 || errno != ESRCH) {
        if (timeoutMs >= 0 && g_get_monotonic_time() >= deadline)
            return FALSE;
        g_usleep(10 * 1000);
    }
    return TRUE;
}


/* The start time of @pid in clock ticks since boot (field 22 of
 * /proc/<pid>/stat), which tells a process from a later one that reused
 * its pid; 0 when unknown. */
static unsigned long long
qemuProcessGetStartTime(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/stat", (long long) pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;
    const char *rest;
    guint64 start = 0;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    /* The command name (field 2) may contain spaces and parentheses:
     * fields after it start after its last ')'. */
    if (!(rest = strrchr(text, ')')))
        return 0;
    fields = g_strsplit(rest + 2, " ", 0);
    /* fields[0] is field 3 (state), so field 22 is fields[19]. */
    if (g_strv_length(fields) < 20 ||
        !g_ascii_string_to_unsigned(fields[19], 10, 0, G_MAXUINT64, &start,
                                    NULL))
        return 0;
    return start;
}


/**
 * qemuProcessGetCPUTime:
 * @pid: a process
 *
 * Returns: the user plus system time of all of @pid's threads in
 * nanoseconds, or 0 when it cannot be read.
 */
unsigned long long
qemuProcessGetCPUTime(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/stat", (long long) pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;
    const char *rest;
    guint64 utime = 0;
    guint64 stime = 0;
    long hz = sysconf(_SC_CLK_TCK);

    /* The process's own stat sums all threads, living and exited. */
    if (hz <= 0 || !g_file_get_contents(path, &text, NULL, NULL) ||
        !(rest = strrchr(text, ')')))
        return 0;
    fields = g_strsplit(rest + 2, " ", 0);
    /* utime and stime are fields 14 and 15. */
    if (g_strv_length(fields) < 13 ||
        !g_ascii_string_to_unsigned(fields[11], 10, 0, G_MAXUINT64, &utime,
                                    NULL) ||
        !g_ascii_string_to_unsigned(fields[12], 10, 0, G_MAXUINT64, &stime,
                                    NULL))
        return 0;
    return (utime + stime) * (1000000000ULL / hz);
}


/**
 * qemuProcessReadLogTail:
 * @path: QEMU's log file
 * @offset: where the part of interest starts (e.g. this start's output)
 * @maxBytes: at most this many bytes from the end
 *
 * Returns: (transfer full) the end of the log after @offset, whitespace
 * trimmed, starting at a line boundary; "" when there is none.
 */
char *
qemuProcessReadLogTail(const char *path,
                       off_t offset,
                       size_t maxBytes)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    const char *start;

    if (!g_file_get_contents(path, &text, &len, NULL) ||
        (gsize) offset >= len)
        return g_strdup("");

    start = text + offset;
    if (len - offset > maxBytes) {
        const char *nl;

        start = text + len - maxBytes;
        if ((nl = strchr(start, '\n')))
            start = nl + 1;
    }
    return g_strstrip(g_strdup(start));
}


/* Append a time-stamped line to the domain's log. */
static void G_GNUC_PRINTF(2, 3)
qemuProcessLogAppend(const char *path,
                     const char *fmt,
                     ...)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S.%fZ");
    g_autofree char *msg = NULL;
    g_autofree char *line = NULL;
    VS_AUTOCLOSE int fd = -1;
    va_list args;

    va_start(args, fmt);
    msg = g_strdup_vprintf(fmt, args);
    va_end(args);
    line = g_strdup_printf("%s: %s\n", stamp, msg);

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || !vsFileWriteFull(fd, line, strlen(line), NULL))
        VS_WARN("cannot append to '%s'", path);
}


/* ---- events ------------------------------------------------------- */

typedef struct {
    qemuDomainObj *vm;      /* a reference */
    unsigned int generation;
    unsigned int stopFlags;
} qemuProcessEOFData;


/* The clean-up after QEMU went away on its own (it crashed or was
 * killed) or the guest shut down (QEMU runs with -no-shutdown, so it
 * stays until stopped). Runs on its own thread because it has to wait
 * for whatever job is running to notice and end. */
static gpointer
qemuProcessEOFThread(gpointer opaque)
{
    g_autofree qemuProcessEOFData *data = opaque;
    qemuDomainObj *vm = data->vm;
    qemuDriver *driver = vm->driver;
    vsDomainShutoffReason reason;

    qemuDomainObjLock(vm);
    while (!qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                               VS_DOMAIN_JOB_OPERATION_UNKNOWN, NULL)) {
        VS_WARN("domain '%s': still waiting for the job to end", vm->name);
    }

    if (qemuDomainObjIsActive(vm) && vm->generation == data->generation) {
        if (vm->beingDestroyed)
            reason = VS_DOMAIN_SHUTOFF_DESTROYED;
        else if (vm->gotShutdown)
            reason = VS_DOMAIN_SHUTOFF_SHUTDOWN;
        else
            reason = VS_DOMAIN_SHUTOFF_CRASHED;
        qemuProcessStop(vm->driver, vm, reason, data->stopFlags);
    }

    qemuDomainJobEnd(vm);
    qemuDomainObjEndAPI(&vm);

    g_mutex_lock(&driver->workerLock);
    driver->workers--;
    g_cond_broadcast(&driver->workerCond);
    g_mutex_unlock(&driver->workerLock);
    return NULL;
}


/* With vm->lock held: hand the clean-up of the current QEMU to a new
 * thread. */
static void
qemuProcessScheduleStop(qemuDomainObj *vm,
                        unsigned int stopFlags)
{
    qemuProcessEOFData *data;

    g_mutex_lock(&vm->driver->workerLock);
    vm->driver->workers++;
    g_mutex_unlock(&vm->driver->workerLock);

    data = g_new0(qemuProcessEOFData, 1);
    data->vm = qemuDomainObjRef(vm);
    data->generation = vm->generation;
    data->stopFlags = stopFlags;
    g_thread_unref(g_thread_new("qemu-exit", qemuProcessEOFThread, data));
}


/* State a STOP event implies when nobody announced the pause. */
static int
qemuProcessPausedReason(const qemuDomainObj *vm)
{
    if (vm->job.kind == QEMU_JOB_ASYNC &&
        vm->job.operation == VS_DOMAIN_JOB_OPERATION_SAVE)
        return VS_DOMAIN_PAUSED_SAVE;
    return VS_DOMAIN_PAUSED_UNKNOWN;
}


static void
qemuProcessHandleMigration(qemuDomainObj *vm,
                           json_object *data)
{
    qemuMonitorMigrationStatus status;
    g_autoptr(GError) err = NULL;

    if (!qemuMonitorParseMigrationEvent(data, &status, &err)) {
        VS_WARN("domain '%s': %s", vm->name, err->message);
        return;
    }
    VS_DEBUG("domain '%s': migration %s", vm->name,
             qemuMonitorMigrationStatusTypeToString(status));
    vm->migrationStatus = status;
}


static void
qemuProcessHandleShutdown(qemuDomainObj *vm,
                          json_object *data)
{
    g_autofree char *cause = NULL;
    gboolean guest = FALSE;

    if (!qemuMonitorParseShutdownEvent(data, &guest, &cause, NULL))
        cause = NULL;
    VS_INFO("domain '%s': QEMU shutting down (%s, %s)", vm->name,
            guest ? "guest" : "host", cause ? cause : "unknown cause");
    vm->gotShutdown = TRUE;
    qemuDomainObjSetState(vm, VS_DOMAIN_SHUTDOWN, VS_DOMAIN_SHUTDOWN_UNKNOWN);
    /* After a guest power-off QEMU only stops (-no-shutdown): end it. A
     * host signal makes it exit by itself, which the end of file sees. */
    if (guest)
        qemuProcessScheduleStop(vm, 0);
}


/* The guest opened or closed a virtio-serial port (the guest agent's,
 * for one): live XML shows it as the channel's state. */
static void
qemuProcessHandleSerialPort(qemuDomainObj *vm,
                            json_object *data)
{
    json_object *id = NULL;
    json_object *open = NULL;
    size_t i;

    if (!json_object_object_get_ex(data, "id", &id) ||
        !json_object_object_get_ex(data, "open", &open))
        return;
    for (i = 0; i < vm->def->channels->len; i++) {
        vsDomainChannelDef *chan = g_ptr_array_index(vm->def->channels, i);

        if (g_strcmp0(chan->info.alias, json_object_get_string(id)) != 0)
            continue;
        chan->state = json_object_get_boolean(open) ?
                      VS_DOMAIN_CHANNEL_STATE_CONNECTED :
                      VS_DOMAIN_CHANNEL_STATE_DISCONNECTED;
        VS_INFO("domain '%s': guest %s channel '%s'", vm->name,
                json_object_get_boolean(open) ? "opened" : "closed",
                chan->name);
    }
}


static void
qemuProcessHandleEvent(qemuMonitor *mon,
                       const char *name,
                       json_object *data,
                       long long seconds,
                       unsigned int micros,
                       gpointer opaque)
{
    qemuDomainObj *vm = opaque;

    qemuDomainObjLock(vm);
    if (vm->mon != mon) {
        /* A monitor being replaced or closed: its news is stale. */
        qemuDomainObjUnlock(vm);
        return;
    }

    VS_DEBUG("domain '%s': event %s", vm->name, name);
    switch ((qemuMonitorEvent) qemuMonitorEventTypeFromString(name)) {
    case QEMU_MONITOR_EVENT_STOP:
        if (vm->state == VS_DOMAIN_RUNNING)
            qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED,
                                  qemuProcessPausedReason(vm));
        break;
    case QEMU_MONITOR_EVENT_RESUME:
        if (vm->state == VS_DOMAIN_PAUSED)
            qemuDomainObjSetState(vm, VS_DOMAIN_RUNNING,
                                  VS_DOMAIN_RUNNING_UNPAUSED);
        break;
    case QEMU_MONITOR_EVENT_SHUTDOWN:
        qemuProcessHandleShutdown(vm, data);
        break;
    case QEMU_MONITOR_EVENT_MIGRATION:
        qemuProcessHandleMigration(vm, data);
        break;
    case QEMU_MONITOR_EVENT_VSERPORT_CHANGE:
        qemuProcessHandleSerialPort(vm, data);
        break;
    case QEMU_MONITOR_EVENT_POWERDOWN:
    case QEMU_MONITOR_EVENT_RESET:
    case QEMU_MONITOR_EVENT_MIGRATION_PASS:
    case QEMU_MONITOR_EVENT_LAST:
        break;
    }

    vm->eventSeq++;
    qemuDomainObjBroadcast(vm);
    qemuDomainObjUnlock(vm);
}


static void
qemuProcessHandleEOF(qemuMonitor *mon,
                     const char *reason,
                     gpointer opaque)
{
    qemuDomainObj *vm = opaque;

    qemuDomainObjLock(vm);
    if (vm->mon != mon) {
        qemuDomainObjUnlock(vm);
        return;
    }

    VS_INFO("domain '%s': monitor closed: %s", vm->name, reason);
    vm->exited = TRUE;
    qemuDomainObjBroadcast(vm);
    /* QEMU is exiting: let it finish before any signal. */
    qemuProcessScheduleStop(vm, QEMU_PROCESS_STOP_GRACEFUL);
    qemuDomainObjUnlock(vm);
}


static void
qemuProcessMonitorDispose(gpointer opaque)
{
    qemuDomainObjUnref(opaque);
}


const qemuMonitorCallbacks qemuProcessMonitorCallbacks = {
    .event = qemuProcessHandleEvent,
    .eof = qemuProcessHandleEOF,
    .dispose = qemuProcessMonitorDispose,
};


/* Undo qemuDomainObjSetDefTransient() for a start that failed before
 * the domain became active. */
static void
qemuProcessRestoreDef(qemuDomainObj *vm)
{
    if (vm->persistentDef) {
        vsDomainDefFree(vm->def);
        vm->def = g_steal_pointer(&vm->persistentDef);
    }
}


/* ---- stop --------------------------------------------------------- */

/**
 * qemuProcessKill:
 * @vm: a locked domain object
 * @signum: signal to send
 *
 * Sends @signum to the domain's QEMU, if it has one.
 *
 * Returns: FALSE when there was no process to signal.
 */
gboolean
qemuProcessKill(qemuDomainObj *vm,
                int signum)
{
    if (vm->pid <= 0)
        return FALSE;
    VS_DEBUG("domain '%s': sending signal %d to %lld", vm->name, signum,
             (long long) vm->pid);
    return qemuProcessSignal(vm->pid, vm->pidfd, signum);
}


/**
 * qemuProcessSignal:
 * @pid: the process
 * @pidfd: a pidfd of @pid, or -1
 * @signum: the signal
 *
 * Signals through the pidfd when there is one: a pid alone may name
 * another process by now when @pid is not our child (an adopted QEMU
 * whose exit another process reaps).
 *
 * Returns: TRUE if the signal was sent.
 */
gboolean
qemuProcessSignal(pid_t pid,
                  int pidfd,
                  int signum)
{
    if (pidfd >= 0)
        return syscall(SYS_pidfd_send_signal, pidfd, signum, NULL, 0) == 0;
    return kill(pid, signum) == 0;
}


/* Make sure QEMU is gone: wait (graceful), SIGTERM, then SIGKILL. Called
 * with vm->lock released; returns the waitpid status for our children,
 * -1 otherwise. */
static int
qemuProcessTerminate(const char *name,
                     pid_t pid,
                     int pidfd,
                     gboolean ourChild,
                     unsigned int graceMs,
                     gboolean graceful)
{
    int status = -1;

    if (!(graceful && qemuProcessWaitGone(pid, pidfd, graceMs))) {
        VS_DEBUG("domain '%s': SIGTERM to %lld", name, (long long) pid);
        qemuProcessSignal(pid, pidfd, SIGTERM);
        if (!qemuProcessWaitGone(pid, pidfd, graceMs)) {
            VS_WARN("domain '%s': QEMU %lld ignored SIGTERM for %u ms, "
                    "killing it", name, (long long) pid, graceMs);
            qemuProcessSignal(pid, pidfd, SIGKILL);
            if (!qemuProcessWaitGone(pid, pidfd, QEMU_PROCESS_KILL_WAIT_MS))
                VS_ERROR("domain '%s': QEMU %lld survived SIGKILL", name,
                         (long long) pid);
        }
    }

    if (ourChild && !vsSpawnWait(pid, pidfd, QEMU_PROCESS_KILL_WAIT_MS,
                                 &status, NULL))
        status = -1;
    return status;
}


static void
qemuProcessRemoveFiles(qemuDriver *driver,
                       qemuDomainObj *vm)
{
    g_autofree char *pidfile =
        qemuDriverConfigPidPath(driver->config, vm->name);

    qemuDomainRemoveStatus(vm);
    if (vm->monitorPath)
        unlink(vm->monitorPath);
    unlink(pidfile);
}


/**
 * qemuProcessStop:
 * @driver: the driver
 * @vm: a locked, active domain object whose job the caller owns
 * @reason: why the domain is shut off
 * @flags: qemuProcessStopFlags
 *
 * Closes the monitor, ends QEMU (after waiting for it with GRACEFUL,
 * then SIGTERM, then SIGKILL after config stop_timeout), reaps it, and
 * makes the domain inactive: shut off with @reason, the persistent
 * definition back in place, the runtime files removed. A transient
 * domain leaves the domain list; the caller's reference keeps @vm valid.
 * vm->lock is released while waiting for QEMU. Does nothing when @vm is
 * inactive.
 */
void
qemuProcessStop(qemuDriver *driver,
                qemuDomainObj *vm,
                vsDomainShutoffReason reason,
                unsigned int flags)
{
    g_autofree char *logpath = NULL;
    g_autofree char *how = NULL;
    unsigned int graceMs = driver->config->stopTimeout * 1000;
    pid_t pid = vm->pid;
    int status;

    if (!qemuDomainObjIsActive(vm))
        return;

    VS_INFO("domain '%s': stopping QEMU %lld (%s)", vm->name,
            (long long) pid,
            qemuDomainStateReasonToString(VS_DOMAIN_SHUTOFF, reason));
    logpath = qemuDriverConfigLogPath(driver->config, vm->name);

    /* No event of this QEMU matters any more. */
    g_clear_pointer(&vm->mon, qemuMonitorClose);

    if (pid > 0) {
        qemuDomainObjUnlock(vm);
        status = qemuProcessTerminate(vm->name, pid, vm->pidfd, vm->ourChild,
                                      graceMs,
                                      flags & QEMU_PROCESS_STOP_GRACEFUL);
        qemuDomainObjLock(vm);
        how = status >= 0 ? vsSpawnDescribeStatus(status)
                          : g_strdup(_("exited"));
        qemuProcessLogAppend(logpath, "shutting down, reason=%s; QEMU %s",
                             qemuDomainStateReasonToString(VS_DOMAIN_SHUTOFF,
                                                           reason), how);
        g_free(vm->lastExit);
        vm->lastExit = g_steal_pointer(&how);
    }

    qemuProcessRemoveFiles(driver, vm);
    vsFdClose(&vm->pidfd);
    vm->pid = 0;
    vm->ourChild = FALSE;
    vm->startTime = 0;
    g_clear_pointer(&vm->monitorPath, g_free);
    g_clear_pointer(&vm->caps, qemuCapsUnref);
    g_clear_pointer(&vm->migration, qemuMonitorMigrationSupportFree);
    vm->exited = FALSE;
    vm->gotShutdown = FALSE;
    vm->beingDestroyed = FALSE;
    vm->migrationStatus = QEMU_MONITOR_MIGRATION_STATUS_NONE;
    vm->id = -1;
    vm->def->id = -1;
    qemuGraphicsRelease(driver->graphicsPorts, vm->def);
    qemuTPMStop(driver->config, vm->def);
    qemuProcessRestoreDef(vm);
    qemuDomainObjSetState(vm, VS_DOMAIN_SHUTOFF, reason);

    if (!vm->persistent)
        qemuDomainObjListRemove(driver->domains, vm);
}


/* ---- start -------------------------------------------------------- */

/**
 * qemuProcessFindEmulator:
 * @driver: the driver
 * @def: a domain definition
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the binary to run @def with: its <emulator>,
 * else qemu.conf's; NULL with @error set if that is no executable.
 */
char *
qemuProcessFindEmulator(qemuDriver *driver,
                        const vsDomainDef *def,
                        GError **error)
{
    if (!def->emulator)
        return qemuDriverConfigFindBinary(driver->config, error);

    if (!g_path_is_absolute(def->emulator) ||
        !g_file_test(def->emulator, G_FILE_TEST_IS_EXECUTABLE) ||
        g_file_test(def->emulator, G_FILE_TEST_IS_DIR)) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, ENOENT,
                        _("cannot find QEMU binary '%s'"), def->emulator);
        return NULL;
    }
    return g_strdup(def->emulator);
}


/* Everything a start prepares before exec, so that failing early leaves
 * nothing behind. */
typedef struct {
    char *emulator;
    char *monitorPath;
    char *pidPath;
    char *logPath;
    int logfd;
    off_t logOffset;
    qemuCaps *caps;
    vsSpawn *cmd;
    /* qemuInterfaceFds of the interfaces: the daemon's copies close
     * once QEMU has its own. */
    GArray *netFds;
} qemuProcessLaunch;

static void
qemuProcessLaunchClear(qemuProcessLaunch *launch)
{
    g_free(launch->emulator);
    g_free(launch->monitorPath);
    g_free(launch->pidPath);
    g_free(launch->logPath);
    vsFdClose(&launch->logfd);
    g_clear_pointer(&launch->caps, qemuCapsUnref);
    g_clear_pointer(&launch->cmd, vsSpawnFree);
    g_clear_pointer(&launch->netFds, qemuInterfaceFdsFree);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(qemuProcessLaunch, qemuProcessLaunchClear);


static gboolean
qemuProcessOpenLog(qemuProcessLaunch *launch,
                   GError **error)
{
    g_autofree char *cmdline = vsSpawnToString(launch->cmd);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S.%fZ");
    g_autofree char *header = NULL;

    launch->logfd = vsFileOpen(launch->logPath,
                               O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                               0600, error);
    if (launch->logfd < 0)
        return FALSE;

    header = g_strdup_printf("%s: starting up QEMU %u.%u.%u\n%s\n", stamp,
                             launch->caps->major, launch->caps->minor,
                             launch->caps->micro, cmdline);
    if (!vsFileWriteFull(launch->logfd, header, strlen(header), error))
        return FALSE;
    /* The error message of a failed start quotes only what follows. */
    launch->logOffset = lseek(launch->logfd, 0, SEEK_END);
    return TRUE;
}


/* The accelerator to ask the command line builder for: NULL lets the
 * domain type decide, except that "auto" runs a kvm domain under TCG on
 * a host whose KVM is unusable. */
static const char *
qemuProcessAccel(const qemuDriverConfig *cfg,
                 const vsDomainDef *def)
{
    switch (cfg->accel) {
    case QEMU_ACCEL_KVM:
        return "kvm";
    case QEMU_ACCEL_TCG:
        return "tcg";
    case QEMU_ACCEL_AUTO:
    case QEMU_ACCEL_LAST:
        break;
    }
    if (def->virtType == VS_DOMAIN_VIRT_KVM &&
        qemuDriverConfigResolveAccel(QEMU_ACCEL_AUTO) == QEMU_ACCEL_TCG)
        return "tcg";
    return NULL;
}


/* A <disk type='block'> must name a block device that exists, or QEMU
 * would fail later with a less clear message. */
static gboolean
qemuProcessCheckBlockDisk(const vsDomainDiskDef *disk,
                          GError **error)
{
    struct stat st;

    if (stat(disk->src, &st) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPEN_FAILED, errno,
                        _("cannot use disk '%s': cannot access <source dev='%s'>"),
                        disk->dst, disk->src);
        return FALSE;
    }
    if (!S_ISBLK(st.st_mode)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("cannot use disk '%s': <source dev='%s'> is not a block device"),
                    disk->dst, disk->src);
        return FALSE;
    }
    return TRUE;
}


/* The backing chain of every qcow2 disk, resolved from the images' own
 * headers right before QEMU opens them, so that a chain changed since
 * the last start (or since a save) is seen as it is now. */
static GHashTable *
qemuProcessResolveDiskChains(const vsDomainDef *def,
                             GError **error)
{
    g_autoptr(GHashTable) chains =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                              (GDestroyNotify)g_ptr_array_unref);
    size_t i;

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);
        GPtrArray *chain;

        if (!disk->src)
            continue;
        if (disk->block && !qemuProcessCheckBlockDisk(disk, error))
            return NULL;
        if (disk->backing) {
            chain = qemuQcow2CheckChain(disk->src, disk->format,
                                        disk->backing, error);
            if (!chain) {
                g_prefix_error(error, _("cannot use disk '%s' with the <backingStore> of its XML: "),
                               disk->dst);
                return NULL;
            }
        } else if (disk->format != VS_DOMAIN_DISK_FORMAT_QCOW2) {
            continue;
        } else if (!(chain = qemuQcow2ResolveChain(disk->src, disk->format,
                                                   error))) {
            g_prefix_error(error, _("cannot use disk '%s': "), disk->dst);
            return NULL;
        }
        VS_DEBUG("disk '%s' has %u backing images", disk->dst, chain->len);
        g_hash_table_insert(chains, disk->info.alias, chain);
    }
    return g_steal_pointer(&chains);
}


/* Keeps the chains read from the images in the live definition, for
 * live XML only (vsDomainFormatDiskBackingStore()). */
static void
qemuProcessRecordDiskChains(vsDomainDef *def,
                            GHashTable *chains)
{
    size_t i;
    size_t j;

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);
        GPtrArray *chain = g_hash_table_lookup(chains, disk->info.alias);

        g_clear_pointer(&disk->backingDetected, g_ptr_array_unref);
        if (!chain || disk->backing)
            continue;
        disk->backingDetected =
            g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainDiskBackingFree);
        for (j = 0; j < chain->len; j++) {
            const qemuQcow2Layer *layer = g_ptr_array_index(chain, j);

            g_ptr_array_add(disk->backingDetected,
                            vsDomainDiskBackingNew(layer->path, layer->format));
        }
    }
}


/* The numbers QEMU sees the interface descriptors under: the next free
 * ones from *@nextFd, -1 where an interface has none. */
static void
qemuProcessNumberNetFds(GArray *netFds,
                        int *nextFd,
                        int **tapFds,
                        int **vhostFds)
{
    size_t i;

    *tapFds = g_new(int, netFds->len + 1);
    *vhostFds = g_new(int, netFds->len + 1);
    for (i = 0; i < netFds->len; i++) {
        qemuInterfaceFds *nf = &g_array_index(netFds, qemuInterfaceFds, i);

        (*tapFds)[i] = nf->tapfd >= 0 ? (*nextFd)++ : -1;
        (*vhostFds)[i] = nf->vhostfd >= 0 ? (*nextFd)++ : -1;
    }
}


static gboolean
qemuProcessBuildCommand(qemuDriver *driver,
                        vsDomainDef *def,
                        const qemuProcessStartOpts *opts,
                        qemuProcessLaunch *launch,
                        GError **error)
{
    g_autofree qemuCommandFd *fds = g_new0(qemuCommandFd, opts->nfds + 1);
    g_autoptr(GHashTable) chains = NULL;
    g_autofree char *ramPath = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree int *tapFds = NULL;
    g_autofree int *vhostFds = NULL;
    qemuCommandOptions cmdopts;
    int nextFd;
    size_t i;

    if (!(chains = qemuProcessResolveDiskChains(def, error)))
        return FALSE;
    qemuProcessRecordDiskChains(def, chains);

    qemuCommandOptionsInit(&cmdopts);
    cmdopts.diskChains = chains;
    cmdopts.emulator = launch->emulator;
    cmdopts.accel = qemuProcessAccel(driver->config, def);
    cmdopts.monitorPath = launch->monitorPath;
    cmdopts.pidfile = launch->pidPath;
    cmdopts.incoming = opts->incomingDefer;
    /* QEMU sees the descriptors as 3, 4, ... in the order given. */
    for (i = 0; i < opts->nfds; i++) {
        fds[i].set = opts->fds[i].fdset;
        fds[i].fd = 3 + i;
        fds[i].opaque = opts->fds[i].opaque;
    }
    cmdopts.fds = fds;
    cmdopts.nfds = opts->nfds;
    if (opts->mapRam) {
        ramPath = g_strdup_printf("/proc/self/fd/%zu", 3 + opts->nfds);
        cmdopts.ramPath = ramPath;
        cmdopts.ramOffset = opts->ramOffset;
    }

    nextFd = 3 + opts->nfds + (opts->mapRam ? 1 : 0);
    qemuProcessNumberNetFds(launch->netFds, &nextFd, &tapFds, &vhostFds);
    cmdopts.netTapFds = tapFds;
    cmdopts.netVhostFds = vhostFds;

    if (!(argv = qemuBuildCommandLine(def, &cmdopts, error)))
        return FALSE;

    /* The builder puts def->emulator or @emulator first; use the path
     * that was checked. */
    g_free(argv[0]);
    argv[0] = g_strdup(launch->emulator);
    launch->cmd = vsSpawnNew((const char * const *) argv);
    for (i = 0; i < opts->nfds; i++)
        vsSpawnPassFd(launch->cmd, opts->fds[i].fd, 3 + i);
    if (opts->mapRam)
        vsSpawnPassFd(launch->cmd, opts->ramFd, 3 + opts->nfds);
    for (i = 0; i < launch->netFds->len; i++) {
        qemuInterfaceFds *nf = &g_array_index(launch->netFds,
                                              qemuInterfaceFds, i);

        if (nf->tapfd >= 0)
            vsSpawnPassFd(launch->cmd, nf->tapfd, tapFds[i]);
        if (nf->vhostfd >= 0)
            vsSpawnPassFd(launch->cmd, nf->vhostfd, vhostFds[i]);
    }
    return TRUE;
}


static gboolean
qemuProcessPrepare(qemuDriver *driver,
                   qemuDomainObj *vm,
                   const qemuProcessStartOpts *opts,
                   qemuProcessLaunch *launch,
                   GError **error)
{
    qemuDriverConfig *cfg = driver->config;

    if (!(launch->emulator = qemuProcessFindEmulator(driver, vm->def, error)) ||
        !(launch->caps = qemuCapsCacheLookup(driver->caps, launch->emulator,
                                             error)))
        return FALSE;

    launch->monitorPath = qemuDriverConfigMonitorPath(cfg, vm->name);
    launch->pidPath = qemuDriverConfigPidPath(cfg, vm->name);
    launch->logPath = qemuDriverConfigLogPath(cfg, vm->name);
    unlink(launch->monitorPath);
    unlink(launch->pidPath);

    if (!(launch->netFds = qemuInterfacePrepare(cfg, vm->def, error)) ||
        !qemuProcessBuildCommand(driver, vm->def, opts, launch, error) ||
        !qemuProcessOpenLog(launch, error))
        return FALSE;

    vsSpawnSetStdout(launch->cmd, launch->logfd);
    vsSpawnSetStderr(launch->cmd, launch->logfd);
    /* Keep a terminal's Ctrl-C aimed at the daemon away from guests. */
    vsSpawnSetNewSession(launch->cmd, TRUE);
    return TRUE;
}


/* A start failed after exec: blame the log for it if QEMU died. */
static void
qemuProcessReportEarlyExit(const qemuProcessLaunch *launch,
                           GError **error)
{
    g_autofree char *tail = qemuProcessReadLogTail(launch->logPath,
                                                   launch->logOffset,
                                                   QEMU_PROCESS_LOG_TAIL);

    g_clear_error(error);
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                _("QEMU unexpectedly closed the monitor: %s"),
                *tail ? tail : _("no output"));
}


/* exec QEMU and connect to its monitor, with vm->lock released. */
static gboolean
qemuProcessLaunchQEMU(qemuDomainObj *vm,
                      qemuProcessLaunch *launch,
                      GError **error)
{
    qemuMonitor *mon;
    VS_AUTOCLOSE int pidfd = -1;
    pid_t pid;

    qemuDomainObjUnlock(vm);
    pid = vsSpawnRun(launch->cmd, &pidfd, error);
    qemuDomainObjLock(vm);
    if (pid < 0)
        return FALSE;

    vm->pid = pid;
    vm->pidfd = vsFdSteal(&pidfd);
    vm->ourChild = TRUE;
    vm->startTime = qemuProcessGetStartTime(pid);
    VS_INFO("domain '%s': QEMU started, pid %lld", vm->name, (long long) pid);

    qemuDomainObjUnlock(vm);
    mon = qemuMonitorOpenPath(launch->monitorPath, vm->pidfd,
                              QEMU_PROCESS_MONITOR_TIMEOUT_MS,
                              &qemuProcessMonitorCallbacks,
                              qemuDomainObjRef(vm), 0, error);
    qemuDomainObjLock(vm);
    if (!mon) {
        /* A QEMU that hung up during the handshake is usually exiting
         * with an explanation in its log: give it a moment. */
        if (qemuProcessWaitGone(vm->pid, vm->pidfd,
                                QEMU_PROCESS_EXIT_GRACE_MS))
            qemuProcessReportEarlyExit(launch, error);
        return FALSE;
    }
    vm->mon = mon;
    return TRUE;
}


/* Firmware files, display ports and socket paths, before anything of
 * the domain exists on the host. */
static gboolean
qemuProcessPrepareDevices(qemuDriver *driver,
                          qemuDomainObj *vm,
                          const qemuProcessStartOpts *opts,
                          GError **error)
{
    if (!qemuFirmwarePrepare(vm->def, opts->resetNVRAM, error) ||
        !qemuGraphicsPrepare(driver->graphicsPorts, driver->config->stateDir,
                             vm->def, error))
        return FALSE;
    if (!qemuTPMStart(driver->config, vm->def, error)) {
        qemuGraphicsRelease(driver->graphicsPorts, vm->def);
        return FALSE;
    }
    return TRUE;
}


/* <link state='down'/>: set before the guest runs a single
 * instruction, on every start and restore. */
static gboolean
qemuProcessSetLinkStates(qemuMonitor *mon,
                         const vsDomainDef *def,
                         GError **error)
{
    size_t i;

    for (i = 0; i < def->nets->len; i++) {
        const vsDomainNetDef *net = g_ptr_array_index(def->nets, i);

        if (net->linkDown &&
            !qemuMonitorSetLink(mon, net->info.alias, FALSE, error)) {
            g_prefix_error(error, _("cannot set the link of interface '%s' down: "),
                           net->info.alias);
            return FALSE;
        }
    }
    return TRUE;
}


/* Bring the new QEMU to the state asked for. */
static gboolean
qemuProcessFinishStart(qemuDomainObj *vm,
                       const qemuProcessStartOpts *opts,
                       GError **error)
{
    qemuMonitorStatus status = { 0 };
    qemuMonitor *mon;
    gboolean ok;

    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorQueryStatus(mon, &status, error) &&
        qemuGraphicsSetupMonitor(mon, vm->def, error) &&
        qemuProcessSetLinkStates(mon, vm->def, error);
    if (ok && !opts->paused && !opts->incomingDefer)
        ok = qemuMonitorCont(mon, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok)
        return FALSE;

    if (opts->paused || opts->incomingDefer) {
        qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED,
                              opts->pausedReason ? opts->pausedReason
                                                 : VS_DOMAIN_PAUSED_USER);
    } else {
        qemuDomainObjSetState(vm, VS_DOMAIN_RUNNING,
                              opts->runningReason ? opts->runningReason
                                                  : VS_DOMAIN_RUNNING_BOOTED);
    }
    return TRUE;
}


/**
 * qemuProcessStart:
 * @driver: the driver
 * @vm: a locked, inactive domain object whose job the caller owns
 * @opts: (nullable): how to start; NULL boots and runs the guest
 * @error: return location for a #GError
 *
 * Starts QEMU for @vm: resolves and probes the emulator, builds the
 * command line, execs QEMU as a child of the daemon with its output
 * appended to the domain's log, connects to its monitor and leaves the
 * guest running or paused as @opts says. The domain is active (with a
 * new id and a status file) on success. On failure QEMU is gone, the
 * domain is inactive again and @error says why, quoting QEMU's output if
 * it exited during start-up.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuProcessStart(qemuDriver *driver,
                 qemuDomainObj *vm,
                 const qemuProcessStartOpts *opts,
                 GError **error)
{
    static const qemuProcessStartOpts defaults = { 0 };
    g_auto(qemuProcessLaunch) launch = { .logfd = -1 };
    vsDomainDef *live;
    gint64 started = g_get_monotonic_time();

    if (!opts)
        opts = &defaults;
    if (!qemuDomainObjCheckInactive(vm, error))
        return FALSE;

    if (!(live = vsDomainDefCopy(opts->def ? opts->def : vm->def, error)))
        return FALSE;
    qemuDomainObjSetDefTransient(vm, live);

    if (!qemuProcessPrepareDevices(driver, vm, opts, error))  {
        qemuProcessRestoreDef(vm);
        return FALSE;
    }
    if (!qemuProcessPrepare(driver, vm, opts, &launch, error)) {
        qemuTPMStop(driver->config, vm->def);
        qemuGraphicsRelease(driver->graphicsPorts, vm->def);
        qemuProcessRestoreDef(vm);
        return FALSE;
    }

    vm->generation++;
    vm->monitorPath = g_strdup(launch.monitorPath);
    vm->caps = qemuCapsRef(launch.caps);
    vm->migrationStatus = QEMU_MONITOR_MIGRATION_STATUS_NONE;
    qemuDomainObjAssignId(vm);
    qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED,
                          VS_DOMAIN_PAUSED_STARTING_UP);

    if (!qemuProcessLaunchQEMU(vm, &launch, error) ||
        !qemuProcessFinishStart(vm, opts, error)) {
        VS_INFO("domain '%s': start failed: %s", vm->name,
                error && *error ? (*error)->message : "");
        qemuProcessStop(driver, vm, VS_DOMAIN_SHUTOFF_FAILED, 0);
        return FALSE;
    }

    VS_INFO("domain '%s': started as id %d in %lld ms", vm->name, vm->id,
            (long long) (g_get_monotonic_time() - started) / 1000);
    return TRUE;
}


/* ---- reattach ----------------------------------------------------- */

/* Is @pid still the QEMU the status file describes, not a process that
 * reused its pid? Its start time must match and its command line must
 * name the monitor socket. */
static gboolean
qemuProcessIsSameQEMU(const qemuDomainStatus *status,
                      GError **error)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/cmdline",
                                            (long long) status->pid);
    g_autofree char *cmdline = NULL;
    gsize len = 0;
    gsize i;
    unsigned long long start = qemuProcessGetStartTime(status->pid);

    if (status->startTime && start != status->startTime) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("process %lld is not the domain's QEMU (started at %llu, expected %llu)"),
                    (long long) status->pid, start, status->startTime);
        return FALSE;
    }
    if (!g_file_get_contents(path, &cmdline, &len, NULL)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("QEMU process %lld is gone"), (long long) status->pid);
        return FALSE;
    }
    /* Arguments are NUL-separated: search the whole buffer. */
    for (i = 0; i + 1 < len; i++) {
        if (cmdline[i] == '\0')
            cmdline[i] = ' ';
    }
    if (!strstr(cmdline, status->monitorPath)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("process %lld does not use monitor '%s'"),
                    (long long) status->pid, status->monitorPath);
        return FALSE;
    }
    return TRUE;
}


/* Make @vm active with the process of @status, before any monitor. */
static gboolean
qemuProcessAdopt(qemuDriver *driver,
                 qemuDomainObj *vm,
                 qemuDomainStatus *status,
                 GError **error)
{
    VS_AUTOCLOSE int pidfd = -1;
    g_autofree char *emulator = NULL;
    g_autoptr(GError) err = NULL;
    int id = status->def->id;

    /* Not our child any more: the pidfd is how its exit is noticed. */
    if ((pidfd = qemuProcessPidfdOpen(status->pid)) < 0 && errno == ESRCH) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("QEMU process %lld is gone"), (long long) status->pid);
        return FALSE;
    }
    if (!qemuProcessIsSameQEMU(status, error))
        return FALSE;

    if ((emulator = qemuProcessFindEmulator(driver, status->def, &err)))
        vm->caps = qemuCapsCacheLookup(driver->caps, emulator, &err);
    if (!vm->caps)
        VS_WARN("domain '%s': no capabilities: %s", vm->name, err->message);

    qemuDomainObjSetDefTransient(vm, g_steal_pointer(&status->def));
    vm->generation++;
    vm->pid = status->pid;
    vm->pidfd = vsFdSteal(&pidfd);
    vm->ourChild = FALSE;
    vm->startTime = status->startTime;
    vm->monitorPath = g_steal_pointer(&status->monitorPath);
    vm->id = id;
    vm->def->id = id;
    vm->state = status->state;
    vm->reason = status->reason;

    if (g_atomic_int_get(&driver->nextId) <= id)
        g_atomic_int_set(&driver->nextId, id + 1);
    return TRUE;
}


/* Bring the recorded state in line with what QEMU says now. */
static gboolean
qemuProcessSyncState(qemuDomainObj *vm,
                     GError **error)
{
    qemuMonitorStatus status = { 0 };
    qemuMonitor *mon;
    gboolean ok;

    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorQueryStatus(mon, &status, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok)
        return FALSE;

    if (status.running && vm->state != VS_DOMAIN_RUNNING) {
        qemuDomainObjSetState(vm, VS_DOMAIN_RUNNING,
                              VS_DOMAIN_RUNNING_UNKNOWN);
    } else if (!status.running && vm->state == VS_DOMAIN_RUNNING) {
        qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED,
                              VS_DOMAIN_PAUSED_UNKNOWN);
    } else {
        qemuDomainObjSetState(vm, vm->state, vm->reason);
    }
    return TRUE;
}


static gboolean
qemuProcessReattach(qemuDriver *driver,
                    qemuDomainObj *vm,
                    qemuDomainStatus *status,
                    GError **error)
{
    qemuMonitor *mon;

    if (!qemuDomainObjCheckInactive(vm, error) ||
        !qemuProcessAdopt(driver, vm, status, error))
        return FALSE;

    qemuDomainObjUnlock(vm);
    mon = qemuMonitorOpenPath(vm->monitorPath, vm->pidfd,
                              QEMU_PROCESS_REATTACH_TIMEOUT_MS,
                              &qemuProcessMonitorCallbacks,
                              qemuDomainObjRef(vm), 0, error);
    qemuDomainObjLock(vm);
    if (!mon)
        return FALSE;
    vm->mon = mon;

    return qemuProcessSyncState(vm, error);
}


/* Find or create the object a status file belongs to. */
static qemuDomainObj *
qemuProcessStatusDomain(qemuDriver *driver,
                        const qemuDomainStatus *status,
                        GError **error)
{
    g_autoptr(vsDomainDef) def = NULL;
    qemuDomainObj *vm;

    if ((vm = qemuDomainObjListFindByUUID(driver->domains,
                                          status->def->uuid)))
        return vm;

    /* A transient domain: the live definition is all there is. */
    if (!(def = vsDomainDefCopy(status->def, error)))
        return NULL;
    def->id = -1;
    if (!(vm = qemuDomainObjListAdd(driver->domains, driver, def, FALSE,
                                    error)))
        return NULL;
    g_steal_pointer(&def);
    return vm;
}


static void
qemuProcessReattachOne(qemuDriver *driver,
                       const char *path)
{
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;
    qemuDomainStatus status = { 0 };
    qemuDomainObj *vm = NULL;

    if (!g_file_get_contents(path, &xml, NULL, &err) ||
        !qemuDomainStatusParse(xml, &status, &err) ||
        !(vm = qemuProcessStatusDomain(driver, &status, &err))) {
        VS_WARN("discarding status file '%s': %s", path, err->message);
        unlink(path);
        qemuDomainStatusClear(&status);
        return;
    }

    if (!qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                            VS_DOMAIN_JOB_OPERATION_UNKNOWN, &err)) {
        VS_WARN("domain '%s': %s", vm->name, err->message);
    } else {
        if (qemuProcessReattach(driver, vm, &status, &err)) {
            VS_INFO("domain '%s': reattached to QEMU %lld, id %d, %s",
                    vm->name, (long long) vm->pid, vm->id,
                    qemuDomainStateTypeToString(vm->state));
            if (status.save)
                qemuRecoverSave(driver, vm, g_steal_pointer(&status.save));
            if (qemuDomainObjIsActive(vm))
                qemuLazyRestoreReattach(vm);
        } else {
            VS_WARN("domain '%s': cannot reattach: %s", vm->name,
                    err->message);
            if (qemuDomainObjIsActive(vm)) {
                qemuProcessStop(driver, vm, VS_DOMAIN_SHUTOFF_UNKNOWN, 0);
            } else {
                unlink(path);
                if (!vm->persistent)
                    qemuDomainObjListRemove(driver->domains, vm);
            }
        }
        qemuDomainJobEnd(vm);
    }
    qemuDomainObjEndAPI(&vm);
    qemuDomainStatusClear(&status);
}


/**
 * qemuProcessReattachAll:
 * @driver: a driver with its persistent domains loaded
 *
 * Reattaches to the QEMU of every status file the previous daemon left:
 * checks that the recorded pid is still that QEMU, connects to its
 * monitor and takes its current state. Status files of dead or foreign
 * processes are removed and their domains left shut off; problems are
 * logged, not returned, so that one broken domain cannot keep the daemon
 * from starting.
 */
void
qemuProcessReattachAll(qemuDriver *driver)
{
    g_autoptr(GDir) dir = NULL;
    const char *entry;

    if (!(dir = g_dir_open(driver->config->stateDir, 0, NULL)))
        return;

    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *path = NULL;

        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        path = g_build_filename(driver->config->stateDir, entry, NULL);
        qemuProcessReattachOne(driver, path);
    }
}
