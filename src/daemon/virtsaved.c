/*
 * virtsaved.c: the virtsave daemon
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sets up paths, configuration, logging and the pid file, creates the
 * QEMU driver, and serves libvirt's remote protocol on a UNIX socket
 * until SIGTERM or SIGINT; SIGUSR2 stops it for a host shutdown, which
 * first saves or stops the guests as qemu.conf says. docs/virtsaved.8
 * describes the options.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib-unix.h>

#include "daemon_config.h"
#include "qemu_driver.h"
#include "remote_dispatch.h"
#include "vsnetserver.h"
#include "vssocket.h"
#include "vserror.h"
#include "vslog.h"
#include "vsinternal.h"

VS_LOG_INIT("daemon");

/* Where libvirt clients look for the system QEMU driver by default. */
#define DAEMON_SYSTEM_SOCKET VS_RUNSTATEDIR "/libvirt/libvirt-sock"

typedef struct _daemonOptions daemonOptions;
struct _daemonOptions {
    char *root;
    char *config;
    char *listen;
    char *pidFile;
    gboolean systemSocket;
    gboolean daemonize;
    gboolean verbose;
    gboolean version;
};

typedef struct _daemonPaths daemonPaths;
struct _daemonPaths {
    char *config;
    gboolean configRequired;
    char *socket;
    char *pidFile;
    char *logFile;
};


static void
daemonOptionsClear(daemonOptions *opts)
{
    g_free(opts->root);
    g_free(opts->config);
    g_free(opts->listen);
    g_free(opts->pidFile);
}


static void
daemonPathsClear(daemonPaths *paths)
{
    g_free(paths->config);
    g_free(paths->socket);
    g_free(paths->pidFile);
    g_free(paths->logFile);
}


G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(daemonOptions, daemonOptionsClear);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(daemonPaths, daemonPathsClear);


static gboolean
daemonParseArgs(int *argc,
                char ***argv,
                daemonOptions *opts,
                GError **error)
{
    GOptionEntry entries[] = {
        { "root", 'r', 0, G_OPTION_ARG_FILENAME, &opts->root,
          N_("Keep configuration, state, sockets and logs under DIR"), "DIR" },
        { "config", 'f', 0, G_OPTION_ARG_FILENAME, &opts->config,
          N_("Read the configuration from FILE"), "FILE" },
        { "listen", 'l', 0, G_OPTION_ARG_FILENAME, &opts->listen,
          N_("Listen on the UNIX socket PATH"), "PATH" },
        { "system-socket", 0, 0, G_OPTION_ARG_NONE, &opts->systemSocket,
          N_("Also listen where libvirt clients look for qemu:///system"),
          NULL },
        { "daemon", 'd', 0, G_OPTION_ARG_NONE, &opts->daemonize,
          N_("Detach once the socket is ready"), NULL },
        { "pid-file", 'p', 0, G_OPTION_ARG_FILENAME, &opts->pidFile,
          N_("Write the process id to PATH"), "PATH" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opts->verbose,
          N_("Log debug messages"), NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &opts->version,
          N_("Print the version and exit"), NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new(_("- serve libvirt clients for QEMU domains"));

    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    return g_option_context_parse(ctx, argc, argv, error);
}


static void
daemonPathsInit(daemonPaths *paths,
                const daemonOptions *opts)
{
    if (opts->root) {
        paths->config = g_build_filename(opts->root, "etc", "virtsaved.conf",
                                         NULL);
        paths->socket = g_build_filename(opts->root, "run", "virtsaved-sock",
                                         NULL);
        paths->pidFile = g_build_filename(opts->root, "run", "virtsaved.pid",
                                          NULL);
        paths->logFile = g_build_filename(opts->root, "log", "virtsaved.log",
                                          NULL);
    } else {
        paths->config = g_build_filename(VS_SYSCONFDIR, PACKAGE,
                                         "virtsaved.conf", NULL);
        paths->socket = g_build_filename(VS_RUNSTATEDIR, PACKAGE,
                                         "virtsaved-sock", NULL);
        paths->pidFile = g_build_filename(VS_RUNSTATEDIR, PACKAGE,
                                          "virtsaved.pid", NULL);
        paths->logFile = g_build_filename(VS_LOCALSTATEDIR, "log", PACKAGE,
                                          "virtsaved.log", NULL);
    }

    if (opts->config) {
        g_free(paths->config);
        paths->config = g_strdup(opts->config);
        paths->configRequired = TRUE;
    }
    if (opts->listen) {
        g_free(paths->socket);
        paths->socket = g_strdup(opts->listen);
    }
    if (opts->pidFile) {
        g_free(paths->pidFile);
        paths->pidFile = g_strdup(opts->pidFile);
    }
}


static gboolean
daemonMakeParent(const char *path,
                 int mode,
                 GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);

    if (g_mkdir_with_parents(dir, mode) < 0) {
        vsSetErrorSystem(error, errno, _("cannot create directory '%s'"), dir);
        return FALSE;
    }
    return TRUE;
}


static gboolean
daemonSetupLogging(const daemonConfig *cfg,
                   const daemonOptions *opts,
                   const daemonPaths *paths,
                   GError **error)
{
    const char *level = opts->verbose ? "debug" : cfg->logLevel;
    const char *file = cfg->logFile ? cfg->logFile : paths->logFile;

    if (level && !vsLogSetDefaultPriority(level, error))
        return FALSE;
    if (cfg->logFilters && !vsLogSetFilters(cfg->logFilters, error))
        return FALSE;
    if (g_str_equal(file, "stderr"))
        return TRUE;
    if (!daemonMakeParent(file, 0755, error))
        return FALSE;
    return vsLogSetOutputFile(file, error);
}


/*
 * The pid file is held with an exclusive flock for the daemon's life, so
 * a second daemon on the same root fails here, before touching the
 * socket of the first.
 */
static int
daemonAcquirePidFile(const char *path,
                     GError **error)
{
    g_autofree char *old = NULL;
    int fd;

    if (!daemonMakeParent(path, 0755, error))
        return -1;
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        vsSetErrorSystem(error, errno, _("cannot open pid file '%s'"), path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int saved = errno;

        g_file_get_contents(path, &old, NULL, NULL);
        close(fd);
        if (saved == EWOULDBLOCK) {
            g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_FAILED,
                        _("another virtsaved (pid %s) already uses pid file '%s'"),
                        old ? g_strstrip(old) : "?", path);
        } else {
            vsSetErrorSystem(error, saved, _("cannot lock pid file '%s'"), path);
        }
        return -1;
    }
    return fd;
}


static gboolean
daemonWritePidFile(int fd,
                   const char *path,
                   GError **error)
{
    g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
    size_t len = strlen(text);

    if (ftruncate(fd, 0) < 0 ||
        pwrite(fd, text, len, 0) != (ssize_t)len) {
        vsSetErrorSystem(error, errno, _("cannot write pid file '%s'"), path);
        return FALSE;
    }
    return TRUE;
}


/*
 * Fork before any thread exists. The parent waits on a pipe for the child
 * to report that it listens (one byte), so that its exit status says
 * whether the daemon is ready.
 */
static int
daemonForkAndWait(GError **error)
{
    int fds[2];
    pid_t pid;
    char byte = 0;
    ssize_t n;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        vsSetErrorSystem(error, errno, _("cannot create a pipe"));
        return -1;
    }
    if ((pid = fork()) < 0) {
        vsSetErrorSystem(error, errno, _("cannot fork"));
        return -1;
    }
    if (pid > 0) {
        close(fds[1]);
        do {
            n = read(fds[0], &byte, 1);
        } while (n < 0 && errno == EINTR);
        _exit(n == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
    }

    close(fds[0]);
    if (setsid() < 0)
        VS_WARN("setsid failed: %s", g_strerror(errno));
    return fds[1];
}


static void
daemonNotifyReady(int *readyFd)
{
    int null;

    if (*readyFd < 0)
        return;
    /* detach from the terminal before the parent returns */
    if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    if (write(*readyFd, "", 1) != 1)
        VS_WARN("cannot tell the parent process that the daemon is ready");
    close(*readyFd);
    *readyFd = -1;
}


static gboolean
daemonLookupGroup(const char *name,
                  gid_t *gid,
                  GError **error)
{
    struct group *gr = getgrnam(name);

    if (!gr) {
        g_set_error(error, VS_ERROR_CONF, VS_ERR_CONF_SYNTAX,
                    _("unknown group '%s' in unix_sock_group"), name);
        return FALSE;
    }
    *gid = gr->gr_gid;
    return TRUE;
}


static gboolean
daemonListen(vsNetServer *srv,
             const char *path,
             const daemonConfig *cfg,
             gid_t group,
             GError **error)
{
    if (!daemonMakeParent(path, 0755, error) ||
        !vsNetServerAddListener(srv, path, cfg->unixSockRwPerms, error))
        return FALSE;
    if (group != (gid_t)-1 && chown(path, (uid_t)-1, group) < 0) {
        vsSetErrorSystem(error, errno,
                         _("cannot give socket '%s' to group '%s'"),
                         path, cfg->unixSockGroup);
        return FALSE;
    }
    return TRUE;
}


/*
 * In drop-in mode the daemon takes libvirt's own socket path, but never
 * from a running libvirt daemon: if something answers there, refuse.
 */
static gboolean
daemonListenSystem(vsNetServer *srv,
                   const daemonConfig *cfg,
                   gid_t group,
                   GError **error)
{
    g_autoptr(GError) probe = NULL;
    int fd = vsSocketConnectUnix(DAEMON_SYSTEM_SOCKET, &probe);

    if (fd >= 0) {
        close(fd);
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_FAILED,
                    _("a libvirt daemon already listens on '%s'; stop it to use virtsaved in its place"),
                    DAEMON_SYSTEM_SOCKET);
        return FALSE;
    }
    return daemonListen(srv, DAEMON_SYSTEM_SOCKET, cfg, group, error);
}


/* Why the daemon stops: a plain stop leaves the guests running, a host
 * shutdown hands them to qemuDriverShutdownHost() first. */
typedef struct _daemonStop daemonStop;
struct _daemonStop {
    vsNetServer *srv;
    gboolean hostShutdown;
};


static gboolean
daemonQuitSignal(gpointer opaque)
{
    daemonStop *stop = opaque;

    VS_INFO("signal received; shutting down");
    vsNetServerQuit(stop->srv);
    return G_SOURCE_CONTINUE;
}


static gboolean
daemonHostShutdownSignal(gpointer opaque)
{
    daemonStop *stop = opaque;

    VS_INFO("host shutdown signal received; stopping the guests first");
    stop->hostShutdown = TRUE;
    vsNetServerQuit(stop->srv);
    return G_SOURCE_CONTINUE;
}


static void
daemonWatchSignal(daemonStop *stop,
                  int signum,
                  GSourceFunc func)
{
    g_autoptr(GSource) src = g_unix_signal_source_new(signum);

    g_source_set_callback(src, func, stop, NULL);
    g_source_attach(src, vsNetServerGetContext(stop->srv));
}


static void
daemonNetConfig(const daemonConfig *cfg,
                gid_t group,
                vsNetServerConfig *net)
{
    vsNetServerConfigInit(net);
    net->maxClients = cfg->maxClients;
    net->maxWorkers = cfg->maxWorkers;
    net->prioWorkers = cfg->prioWorkers;
    net->maxClientRequests = cfg->maxClientRequests;
    net->keepaliveInterval = cfg->keepaliveInterval > 0 ?
                             (guint)cfg->keepaliveInterval : 0;
    net->keepaliveCount = cfg->keepaliveCount;
    net->rwGroup = group;
    net->shutdownTimeout = cfg->shutdownTimeout;
    net->maxAnonymousClients = cfg->maxAnonymousClients;
    net->anonymousTimeout = cfg->anonymousClientTimeout;
    net->maxClientsPerUid = cfg->maxClientsPerUid;
    net->messageTimeout = cfg->messageTimeout;
    net->maxIncompleteBytes = (gsize)cfg->maxIncompleteMiB * 1024 * 1024;
}


/* Everything after configuration: returns the exit status. */
static int
daemonServe(const daemonOptions *opts,
            const daemonConfig *cfg,
            const daemonPaths *paths,
            int *readyFd,
            GError **error)
{
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(vsNetServer) srv = NULL;
    g_autoptr(remoteProgram) prog = NULL;
    vsNetServerConfig net;
    daemonStop stop = { NULL, FALSE };
    gid_t group = (gid_t)-1;

    if (cfg->unixSockGroup && !daemonLookupGroup(cfg->unixSockGroup, &group,
                                                 error))
        return EXIT_FAILURE;

    if (!(driver = qemuDriverNew(opts->root, error)))
        return EXIT_FAILURE;

    daemonNetConfig(cfg, group, &net);
    if (!(srv = vsNetServerNew(&net, error)))
        return EXIT_FAILURE;
    prog = remoteProgramNew(driver, cfg->keepaliveInterval > 0);
    remoteProgramRegister(prog, srv);

    if (!daemonListen(srv, paths->socket, cfg, group, error))
        return EXIT_FAILURE;
    if ((opts->systemSocket || cfg->listenSystemSocket) &&
        !daemonListenSystem(srv, cfg, group, error))
        return EXIT_FAILURE;

    stop.srv = srv;
    daemonWatchSignal(&stop, SIGTERM, daemonQuitSignal);
    daemonWatchSignal(&stop, SIGINT, daemonQuitSignal);
    daemonWatchSignal(&stop, SIGUSR2, daemonHostShutdownSignal);

    VS_INFO("virtsaved %s ready on '%s'", PACKAGE_VERSION, paths->socket);
    daemonNotifyReady(readyFd);
    qemuDriverAutostart(driver);
    if (!vsNetServerRun(srv)) {
        /* Workers are stuck in the driver: freeing anything they use
         * would crash them. Guests keep running either way. */
        g_steal_pointer(&srv);
        g_steal_pointer(&prog);
        g_steal_pointer(&driver);
        g_set_error(error, VS_ERROR_RPC, VS_ERR_OPERATION_TIMEOUT,
                    _("calls still running after %u s; exiting without them"),
                    cfg->shutdownTimeout);
        return EXIT_FAILURE;
    }

    /* With the clients gone but the signal sources still attached, so
     * that the service manager's SIGTERM cannot cut the saves short. */
    if (stop.hostShutdown) {
        qemuDriverSetEventCallback(driver, NULL, NULL);
        qemuDriverShutdownHost(driver);
    }

    /* the server goes first: its workers still use the driver; the
     * program unregisters its event callback from the driver */
    g_clear_pointer(&srv, vsNetServerFree);
    g_clear_pointer(&prog, remoteProgramFree);
    g_clear_pointer(&driver, qemuDriverFree);
    VS_INFO("virtsaved stopped");
    return EXIT_SUCCESS;
}


int
main(int argc,
     char **argv)
{
    g_auto(daemonOptions) opts = { 0 };
    g_auto(daemonPaths) paths = { 0 };
    g_autoptr(daemonConfig) cfg = daemonConfigNew();
    g_autoptr(GError) err = NULL;
    int pidFd = -1;
    int readyFd = -1;
    int ret = EXIT_FAILURE;

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    textdomain(GETTEXT_PACKAGE);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);

    if (!daemonParseArgs(&argc, &argv, &opts, &err)) {
        fprintf(stderr, "virtsaved: %s\n", err->message);
        return EXIT_FAILURE;
    }
    if (opts.version) {
        printf("virtsaved %s\n", PACKAGE_VERSION);
        return EXIT_SUCCESS;
    }

    daemonPathsInit(&paths, &opts);
    if (!daemonConfigLoad(cfg, paths.config, paths.configRequired, &err) ||
        !daemonSetupLogging(cfg, &opts, &paths, &err) ||
        (pidFd = daemonAcquirePidFile(paths.pidFile, &err)) < 0 ||
        (opts.daemonize && (readyFd = daemonForkAndWait(&err)) < 0) ||
        !daemonWritePidFile(pidFd, paths.pidFile, &err)) {
        fprintf(stderr, "virtsaved: %s\n", err->message);
        goto cleanup;
    }

    if ((ret = daemonServe(&opts, cfg, &paths, &readyFd, &err)) != EXIT_SUCCESS) {
        g_autofree char *msg = vsErrorFormatMessage(err);

        VS_ERROR("%s", msg);
        fprintf(stderr, "virtsaved: %s\n", msg);
    }

    unlink(paths.pidFile);
    if (ret != EXIT_SUCCESS) {
        /* skip exit handlers and library destructors: threads may be
         * stuck in calls that still use them */
        fflush(stderr);
        _exit(ret);
    }

 cleanup:
    if (pidFd >= 0)
        close(pidFd);
    if (readyFd >= 0)
        close(readyFd);
    return ret;
}
