/*
 * qemu_tpm.c: the swtpm process behind an emulated TPM 2.0
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Before QEMU starts, each <tpm> gets an swtpm serving TPM 2.0 on a
 * control socket under the runtime directory, with its persistent state
 * in LIBDIR/swtpm/UUID/tpm2, kept across starts as libvirt keeps
 * /var/lib/libvirt/swtpm/UUID/tpm2. swtpm runs as a daemon that exits
 * when QEMU drops the connection (--terminate); the driver also ends it
 * when the domain stops or its start fails.
 *
 * Save and restore need nothing more: QEMU's tpm-emulator backend reads
 * the TPM's permanent and volatile state from swtpm into the migration
 * stream when saving, and writes it back into the new swtpm when the
 * image is loaded. So an image carries its TPM, whichever daemon (and
 * state directory) restores it.
 */

#include <config.h>

#include "qemu_tpm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"
#include "vsspawn.h"

VS_LOG_INIT("qemu.tpm");

/* How long swtpm may take to create its socket after daemonizing. */
#define QEMU_TPM_SOCKET_WAIT_MS 10000


static char *
qemuTPMRunDir(const qemuDriverConfig *cfg)
{
    return g_build_filename(cfg->stateDir, "swtpm", NULL);
}


static char *
qemuTPMPidPath(const qemuDriverConfig *cfg,
               const vsDomainDef *def)
{
    g_autofree char *dir = qemuTPMRunDir(cfg);
    g_autofree char *file = g_strdup_printf("%s-swtpm.pid", def->name);

    return g_build_filename(dir, file, NULL);
}


/**
 * qemuTPMStateDir:
 * @cfg: the driver's configuration
 * @def: a domain definition
 *
 * Returns: (transfer full) the directory of the domain's TPM state.
 */
char *
qemuTPMStateDir(const qemuDriverConfig *cfg,
                const vsDomainDef *def)
{
    char uuid[VS_UUID_STRING_BUFLEN];

    return g_build_filename(cfg->libDir, "swtpm", vsUUIDFormat(def->uuid, uuid),
                            "tpm2", NULL);
}


static gboolean
qemuTPMWaitSocket(const char *path,
                  GError **error)
{
    gint64 deadline = g_get_monotonic_time() + QEMU_TPM_SOCKET_WAIT_MS * 1000;

    while (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("swtpm did not create its socket '%s' for element '/domain/devices/tpm'"),
                        path);
            return FALSE;
        }
        g_usleep(20 * 1000);
    }
    return TRUE;
}


static gboolean
qemuTPMMakeDirs(const char *runDir,
                const char *stateDir,
                GError **error)
{
    const char *dirs[] = { runDir, stateDir };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        if (g_mkdir_with_parents(dirs[i], 0700) < 0) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                            _("cannot create the TPM directory '%s'"), dirs[i]);
            return FALSE;
        }
    }
    return TRUE;
}


/**
 * qemuTPMStart:
 * @cfg: the driver's configuration
 * @def: the live definition about to be started
 * @error: return location for a #GError
 *
 * Starts swtpm for the domain's TPM and records its socket in @def.
 *
 * Returns: TRUE on success (or without a TPM), FALSE with @error set.
 */
gboolean
qemuTPMStart(const qemuDriverConfig *cfg,
             vsDomainDef *def,
             GError **error)
{
    g_autofree char *runDir = qemuTPMRunDir(cfg);
    g_autofree char *stateDir = qemuTPMStateDir(cfg, def);
    g_autofree char *pidPath = qemuTPMPidPath(cfg, def);
    g_autofree char *logFile = g_strdup_printf("%s-swtpm.log", def->name);
    g_autofree char *logPath = g_build_filename(cfg->logDir, logFile, NULL);
    g_autofree char *sockFile = g_strdup_printf("%s-swtpm.sock", def->name);
    g_autofree char *sock = g_build_filename(runDir, sockFile, NULL);
    g_autoptr(vsSpawn) cmd = NULL;
    VS_AUTOCLOSE int logfd = -1;
    VS_AUTOCLOSE int pidfd = -1;
    struct sockaddr_un sun;
    int status = 0;
    pid_t pid;
    const char *const argv[] = { "swtpm", "socket", NULL };
    vsDomainTPMDef *tpm;

    if (def->tpms->len == 0)
        return TRUE;
    tpm = g_ptr_array_index(def->tpms, 0);
    if (strlen(sock) >= sizeof(sun.sun_path)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("socket path '%s' is too long for a UNIX socket"), sock);
        return FALSE;
    }
    if (!qemuTPMMakeDirs(runDir, stateDir, error))
        return FALSE;
    unlink(sock);
    unlink(pidPath);

    cmd = vsSpawnNew(argv);
    vsSpawnAddArg(cmd, "--daemon");
    vsSpawnAddArg(cmd, "--ctrl");
    vsSpawnAddArgFormat(cmd, "type=unixio,path=%s,mode=0600", sock);
    vsSpawnAddArg(cmd, "--tpmstate");
    vsSpawnAddArgFormat(cmd, "dir=%s,mode=0600", stateDir);
    vsSpawnAddArg(cmd, "--log");
    vsSpawnAddArgFormat(cmd, "file=%s", logPath);
    vsSpawnAddArg(cmd, "--pid");
    vsSpawnAddArgFormat(cmd, "file=%s", pidPath);
    vsSpawnAddArg(cmd, "--terminate");
    vsSpawnAddArg(cmd, "--tpm2");
    vsSpawnSetNewSession(cmd, TRUE);

    /* The first process exits once the daemon is set up; its output
     * goes to the log, which the daemon keeps writing to. */
    logfd = vsFileOpen(logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                       0600, error);
    if (logfd < 0)
        return FALSE;
    vsSpawnSetStdout(cmd, logfd);
    vsSpawnSetStderr(cmd, logfd);
    if ((pid = vsSpawnRun(cmd, &pidfd, error)) < 0 ||
        !vsSpawnWait(pid, pidfd, QEMU_TPM_SOCKET_WAIT_MS, &status, error)) {
        g_prefix_error(error, _("cannot start swtpm for element '/domain/devices/tpm': "));
        return FALSE;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_autofree char *how = vsSpawnDescribeStatus(status);

        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("swtpm for element '/domain/devices/tpm' %s; see '%s'"),
                    how, logPath);
        return FALSE;
    }
    if (!qemuTPMWaitSocket(sock, error)) {
        qemuTPMStop(cfg, def);
        return FALSE;
    }
    g_free(tpm->socket);
    tpm->socket = g_steal_pointer(&sock);
    VS_INFO("domain '%s': swtpm serves '%s', state in '%s'", def->name,
            tpm->socket, stateDir);
    return TRUE;
}


/* The pid in swtpm's pid file, if that process still runs swtpm. */
static pid_t
qemuTPMReadPid(const char *pidPath)
{
    g_autofree char *text = NULL;
    g_autofree char *comm = NULL;
    g_autofree char *commPath = NULL;
    gint64 pid;

    if (!g_file_get_contents(pidPath, &text, NULL, NULL) ||
        !g_ascii_string_to_signed(g_strstrip(text), 10, 2, G_MAXINT, &pid,
                                  NULL))
        return 0;
    commPath = g_strdup_printf("/proc/%d/comm", (int) pid);
    if (!g_file_get_contents(commPath, &comm, NULL, NULL) ||
        !g_str_has_prefix(comm, "swtpm"))
        return 0;
    return (pid_t) pid;
}


/**
 * qemuTPMStop:
 * @cfg: the driver's configuration
 * @def: a definition whose QEMU is gone or never ran
 *
 * Ends the domain's swtpm if it still runs (it normally exits with
 * QEMU) and removes its socket and pid file.
 */
void
qemuTPMStop(const qemuDriverConfig *cfg,
            const vsDomainDef *def)
{
    g_autofree char *pidPath = NULL;
    pid_t pid;
    size_t i;

    if (def->tpms->len == 0)
        return;
    pidPath = qemuTPMPidPath(cfg, def);
    if ((pid = qemuTPMReadPid(pidPath)) > 0) {
        VS_DEBUG("domain '%s': ending swtpm %lld", def->name,
                 (long long) pid);
        kill(pid, SIGTERM);
    }
    unlink(pidPath);
    for (i = 0; i < def->tpms->len; i++) {
        vsDomainTPMDef *tpm = g_ptr_array_index(def->tpms, i);

        if (tpm->socket)
            unlink(tpm->socket);
    }
}


/**
 * qemuTPMRemoveState:
 * @cfg: the driver's configuration
 * @def: the definition being undefined
 * @error: return location for a #GError
 *
 * Removes the TPM state directory (LIBDIR/swtpm/UUID), which holds only
 * swtpm's files.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuTPMRemoveState(const qemuDriverConfig *cfg,
                   const vsDomainDef *def,
                   GError **error)
{
    g_autofree char *dir = qemuTPMStateDir(cfg, def);
    g_autofree char *parent = g_path_get_dirname(dir);
    g_autoptr(GDir) entries = g_dir_open(dir, 0, NULL);
    const char *name;

    while (entries && (name = g_dir_read_name(entries))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        if (unlink(path) < 0 && errno != ENOENT) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                            _("cannot remove TPM state file '%s'"), path);
            return FALSE;
        }
    }
    if ((rmdir(dir) < 0 && errno != ENOENT) ||
        (rmdir(parent) < 0 && errno != ENOENT)) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot remove TPM state directory '%s'"), parent);
        return FALSE;
    }
    VS_INFO("domain '%s': TPM state '%s' removed", def->name, parent);
    return TRUE;
}
