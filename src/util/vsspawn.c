/*
 * vsspawn.c: start child processes with chosen inherited descriptors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "vsspawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("util.spawn");

/* A standard stream left as the parent's own. */
#define VS_SPAWN_INHERIT (-2)

/* vsSpawnRunSync() keeps this much of each output stream. */
#define VS_SPAWN_CAPTURE_MAX (1024 * 1024)

/* Error messages quote at most the tail of this many bytes of stderr. */
#define VS_SPAWN_STDERR_QUOTE_MAX 1024

typedef struct {
    int parentfd;
    int childfd;
} vsSpawnFdMap;

typedef struct {
    char *name;
    char *value;    /* NULL: remove the variable */
} vsSpawnEnvOp;

struct _vsSpawn {
    GPtrArray *args;    /* char *, without a terminating NULL */
    GArray *envOps;     /* vsSpawnEnvOp, applied in order */
    gboolean clearEnv;
    GArray *fds;        /* vsSpawnFdMap */
    int stdio[3];       /* parent fd, -1 for /dev/null, VS_SPAWN_INHERIT */
    gboolean newSession;
};

/* What the child tells the parent when it cannot get to its program. */
typedef enum {
    VS_SPAWN_STAGE_SESSION = 1,
    VS_SPAWN_STAGE_FDS,
    VS_SPAWN_STAGE_EXEC,
} vsSpawnStage;

typedef struct {
    int stage;
    int errnum;
} vsSpawnReport;

/* Everything the child needs, prepared before fork() because the child
 * of a threaded process may only make async-signal-safe calls. */
typedef struct {
    const char *path;
    char **argv;
    char **envp;
    const vsSpawnFdMap *plan;
    size_t nplan;
    int *tmp;               /* nplan slots */
    int base;               /* above every child descriptor number */
    int inherit[3];         /* standard streams kept as they are */
    size_t ninherit;
    gboolean newSession;
    int reportfd;
    int maxfd;              /* for the last-resort descriptor sweep */
} vsSpawnChildPlan;


static void
vsSpawnEnvOpClear(gpointer p)
{
    vsSpawnEnvOp *op = p;

    g_free(op->name);
    g_free(op->value);
}


/**
 * vsSpawnNew:
 * @argv: NULL-terminated program and arguments; argv[0] is searched in
 *   the child's PATH unless it contains a '/'
 *
 * Returns: (transfer full) a command to complete and run; stdin is
 * /dev/null, stdout and stderr are the parent's.
 */
vsSpawn *
vsSpawnNew(const char * const *argv)
{
    vsSpawn *cmd = NULL;
    size_t i;

    g_return_val_if_fail(argv && argv[0], NULL);

    cmd = g_new0(vsSpawn, 1);
    cmd->args = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; argv[i]; i++)
        g_ptr_array_add(cmd->args, g_strdup(argv[i]));

    cmd->envOps = g_array_new(FALSE, FALSE, sizeof(vsSpawnEnvOp));
    g_array_set_clear_func(cmd->envOps, vsSpawnEnvOpClear);
    cmd->fds = g_array_new(FALSE, FALSE, sizeof(vsSpawnFdMap));
    cmd->stdio[0] = -1;
    cmd->stdio[1] = VS_SPAWN_INHERIT;
    cmd->stdio[2] = VS_SPAWN_INHERIT;
    return cmd;
}


/**
 * vsSpawnFree:
 * @cmd: a command, or NULL
 *
 * Frees @cmd; descriptors given to it stay open (the caller owns them).
 */
void
vsSpawnFree(vsSpawn *cmd)
{
    if (!cmd)
        return;

    g_ptr_array_unref(cmd->args);
    g_array_unref(cmd->envOps);
    g_array_unref(cmd->fds);
    g_free(cmd);
}


/**
 * vsSpawnAddArg:
 * @cmd: the command
 * @arg: an argument (copied)
 *
 * Appends @arg to the command line.
 */
void
vsSpawnAddArg(vsSpawn *cmd,
              const char *arg)
{
    g_ptr_array_add(cmd->args, g_strdup(arg));
}


/**
 * vsSpawnAddArgFormat:
 * @cmd: the command
 * @fmt: printf format of the argument
 *
 * Appends one formatted argument to the command line.
 */
void
vsSpawnAddArgFormat(vsSpawn *cmd,
                    const char *fmt,
                    ...)
{
    va_list args;

    va_start(args, fmt);
    g_ptr_array_add(cmd->args, g_strdup_vprintf(fmt, args));
    va_end(args);
}


/**
 * vsSpawnSetEnv:
 * @cmd: the command
 * @name: variable name, without '='
 * @value: (nullable) its value, or NULL to remove the variable
 *
 * Changes one variable of the child's environment; later calls win.
 */
void
vsSpawnSetEnv(vsSpawn *cmd,
              const char *name,
              const char *value)
{
    vsSpawnEnvOp op;

    g_return_if_fail(name && *name && !strchr(name, '='));

    op.name = g_strdup(name);
    op.value = g_strdup(value);
    g_array_append_val(cmd->envOps, op);
}


/**
 * vsSpawnClearEnv:
 * @cmd: the command
 *
 * Starts the child with an empty environment; only variables set with
 * vsSpawnSetEnv() after this call reach it.
 */
void
vsSpawnClearEnv(vsSpawn *cmd)
{
    g_array_set_size(cmd->envOps, 0);
    cmd->clearEnv = TRUE;
}


/**
 * vsSpawnPassFd:
 * @cmd: the command
 * @parentfd: a descriptor of the parent (still owned by the caller)
 * @childfd: its number in the child, or -1 to keep @parentfd's number
 *
 * Makes @parentfd available to the child as @childfd. The parent's
 * descriptor must stay open until vsSpawnRun() returns.
 */
void
vsSpawnPassFd(vsSpawn *cmd,
              int parentfd,
              int childfd)
{
    vsSpawnFdMap map = {
        .parentfd = parentfd,
        .childfd = childfd < 0 ? parentfd : childfd,
    };

    g_return_if_fail(parentfd >= 0);
    g_array_append_val(cmd->fds, map);
}


/**
 * vsSpawnSetStdin:
 * @cmd: the command
 * @fd: a descriptor of the parent (kept by the caller), or -1 for
 *   /dev/null
 *
 * Chooses the child's standard input.
 */
void
vsSpawnSetStdin(vsSpawn *cmd,
                int fd)
{
    cmd->stdio[0] = fd < 0 ? -1 : fd;
}


/**
 * vsSpawnSetStdout:
 * @cmd: the command
 * @fd: a descriptor of the parent (kept by the caller), or -1 for
 *   /dev/null
 *
 * Chooses the child's standard output.
 */
void
vsSpawnSetStdout(vsSpawn *cmd,
                 int fd)
{
    cmd->stdio[1] = fd < 0 ? -1 : fd;
}


/**
 * vsSpawnSetStderr:
 * @cmd: the command
 * @fd: a descriptor of the parent (kept by the caller), or -1 for
 *   /dev/null
 *
 * Chooses the child's standard error.
 */
void
vsSpawnSetStderr(vsSpawn *cmd,
                 int fd)
{
    cmd->stdio[2] = fd < 0 ? -1 : fd;
}


/**
 * vsSpawnSetNewSession:
 * @cmd: the command
 * @newSession: whether the child calls setsid()
 *
 * A child in its own session has no controlling terminal, so signals
 * from the terminal of the daemon do not reach it.
 */
void
vsSpawnSetNewSession(vsSpawn *cmd,
                     gboolean newSession)
{
    cmd->newSession = newSession;
}


/* Quote @s for a shell only when it needs it, for readable logs. */
static void
vsSpawnAppendQuoted(GString *buf,
                    const char *s)
{
    const char *p;

    for (p = s; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-_./=:,+@%", *p))
            break;
    }

    if (*s && !*p) {
        g_string_append(buf, s);
    } else {
        g_autofree char *quoted = g_shell_quote(s);

        g_string_append(buf, quoted);
    }
}


/**
 * vsSpawnToString:
 * @cmd: the command
 *
 * The variables set with vsSpawnSetEnv() come first ("NAME=value"), then
 * the arguments, quoted for a shell where they need it.
 *
 * Returns: (transfer full) the command line for logs.
 */
char *
vsSpawnToString(const vsSpawn *cmd)
{
    GString *buf = g_string_new(NULL);
    size_t i;

    for (i = 0; i < cmd->envOps->len; i++) {
        const vsSpawnEnvOp *op = &g_array_index(cmd->envOps, vsSpawnEnvOp, i);
        g_autofree char *assign = NULL;

        if (!op->value)
            continue;
        assign = g_strdup_printf("%s=%s", op->name, op->value);
        vsSpawnAppendQuoted(buf, assign);
        g_string_append_c(buf, ' ');
    }

    for (i = 0; i < cmd->args->len; i++) {
        if (i > 0)
            g_string_append_c(buf, ' ');
        vsSpawnAppendQuoted(buf, g_ptr_array_index(cmd->args, i));
    }

    return g_string_free(buf, FALSE);
}


/* The environment the child gets. */
static char **
vsSpawnBuildEnv(const vsSpawn *cmd)
{
    char **envp = cmd->clearEnv ? g_new0(char *, 1) : g_get_environ();
    size_t i;

    for (i = 0; i < cmd->envOps->len; i++) {
        const vsSpawnEnvOp *op = &g_array_index(cmd->envOps, vsSpawnEnvOp, i);

        if (op->value)
            envp = g_environ_setenv(envp, op->name, op->value, TRUE);
        else
            envp = g_environ_unsetenv(envp, op->name);
    }

    return envp;
}


/* Look @name up in the child's PATH (the system default when it has
 * none), the way execvp(3) would, but before fork(): execvp may
 * allocate, which the child must not. */
static char *
vsSpawnFindProgram(const char *name,
                   char **envp,
                   GError **error)
{
    const char *path = g_environ_getenv(envp, "PATH");
    g_autofree char *defaultPath = NULL;
    g_auto(GStrv) dirs = NULL;
    int errnum = ENOENT;
    size_t i;

    if (strchr(name, '/'))
        return g_strdup(name);

    if (!path) {
        size_t len = confstr(_CS_PATH, NULL, 0);

        defaultPath = g_malloc0(MAX(len, 1));
        if (len > 0)
            confstr(_CS_PATH, defaultPath, len);
        path = defaultPath;
    }

    dirs = g_strsplit(path, ":", -1);
    for (i = 0; dirs[i]; i++) {
        g_autofree char *candidate = g_build_filename(*dirs[i] ? dirs[i] : ".",
                                                      name, NULL);
        struct stat sb;

        if (stat(candidate, &sb) < 0 || !S_ISREG(sb.st_mode))
            continue;
        if (access(candidate, X_OK) == 0)
            return g_steal_pointer(&candidate);
        errnum = errno;
    }

    vsSetErrorSystem(error, errnum, _("cannot execute '%s'"), name);
    return NULL;
}


/* Tell the parent why we fail, then leave. Async-signal-safe. */
G_GNUC_NORETURN static void
vsSpawnChildFail(int reportfd,
                 vsSpawnStage stage,
                 int errnum)
{
    vsSpawnReport report = { .stage = stage, .errnum = errnum };
    ssize_t n G_GNUC_UNUSED;

    n = write(reportfd, &report, sizeof(report));
    _exit(127);
}


/* Mark every descriptor from 3 up close-on-exec by walking
 * /proc/self/fd with the raw system call (opendir() may allocate), or,
 * without /proc, every number up to @maxfd. Async-signal-safe. */
static void
vsSpawnChildCloexecSweep(int maxfd)
{
    union {
        char buf[4096];
        uint64_t align;
    } dents;
    int dirfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    long n;
    int fd;

    if (dirfd < 0) {
        for (fd = 3; fd <= maxfd; fd++)
            fcntl(fd, F_SETFD, FD_CLOEXEC);
        return;
    }

    while ((n = syscall(SYS_getdents64, dirfd, dents.buf,
                        sizeof(dents.buf))) > 0) {
        long off = 0;

        while (off < n) {
            /* struct linux_dirent64: ino, off, reclen, type, name */
            const char *rec = dents.buf + off;
            unsigned short reclen;
            const char *name = rec + 19;

            memcpy(&reclen, rec + 16, sizeof(reclen));
            off += reclen;

            fd = 0;
            for (; *name >= '0' && *name <= '9'; name++)
                fd = fd * 10 + (*name - '0');
            if (*name == '\0' && fd >= 3 && fd != dirfd)
                fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
    }

    close(dirfd);
}


/* Signals: default dispositions (an ignored SIGPIPE would otherwise
 * survive exec) and nothing blocked. Async-signal-safe. */
static void
vsSpawnChildResetSignals(void)
{
    struct sigaction sa;
    sigset_t none;
    int sig;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (sig = 1; sig < NSIG; sig++)
        sigaction(sig, &sa, NULL);

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}


/* The child between fork() and exec: async-signal-safe calls only. */
G_GNUC_NORETURN static void
vsSpawnChild(const vsSpawnChildPlan *plan)
{
    int reportfd = plan->reportfd;
    size_t i;

    vsSpawnChildResetSignals();

    if (plan->newSession && setsid() < 0)
        vsSpawnChildFail(reportfd, VS_SPAWN_STAGE_SESSION, errno);

    /* The report pipe may sit on a number the plan wants. */
    if ((reportfd = fcntl(reportfd, F_DUPFD_CLOEXEC, plan->base)) < 0)
        vsSpawnChildFail(plan->reportfd, VS_SPAWN_STAGE_FDS, errno);

    /* First move every source above all target numbers, so that no
     * dup2() below can overwrite a source still to be copied... */
    for (i = 0; i < plan->nplan; i++) {
        plan->tmp[i] = fcntl(plan->plan[i].parentfd, F_DUPFD_CLOEXEC,
                             plan->base);
        if (plan->tmp[i] < 0)
            vsSpawnChildFail(reportfd, VS_SPAWN_STAGE_FDS, errno);
    }

    /* ...then put them in place; dup2() clears close-on-exec. */
    for (i = 0; i < plan->nplan; i++) {
        if (dup2(plan->tmp[i], plan->plan[i].childfd) < 0)
            vsSpawnChildFail(reportfd, VS_SPAWN_STAGE_FDS, errno);
    }

    /* Everything else from 3 up closes at exec, the report pipe too, so
     * the parent sees end of file on success; the chosen ones stay. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        vsSpawnChildCloexecSweep(plan->maxfd);
    for (i = 0; i < plan->nplan; i++) {
        if (fcntl(plan->plan[i].childfd, F_SETFD, 0) < 0)
            vsSpawnChildFail(reportfd, VS_SPAWN_STAGE_FDS, errno);
    }
    for (i = 0; i < plan->ninherit; i++)
        fcntl(plan->inherit[i], F_SETFD, 0);

    execve(plan->path, plan->argv, plan->envp);
    vsSpawnChildFail(reportfd, VS_SPAWN_STAGE_EXEC, errno);
}


/* Turn the child's report into the error of vsSpawnRun(). */
static void
vsSpawnSetReportError(const vsSpawn *cmd,
                      const vsSpawnReport *report,
                      GError **error)
{
    const char *prog = g_ptr_array_index(cmd->args, 0);

    switch ((vsSpawnStage) report->stage) {
    case VS_SPAWN_STAGE_SESSION:
        vsSetErrorSystem(error, report->errnum,
                         _("cannot start a new session for '%s'"), prog);
        break;
    case VS_SPAWN_STAGE_FDS:
        vsSetErrorSystem(error, report->errnum,
                         _("cannot set up descriptors for '%s'"), prog);
        break;
    case VS_SPAWN_STAGE_EXEC:
    default:
        vsSetErrorSystem(error, report->errnum,
                         _("cannot execute '%s'"), prog);
        break;
    }
}


/* Read the child's report: TRUE if exec succeeded (the pipe closed with
 * nothing in it), FALSE with @error set otherwise. */
static gboolean
vsSpawnReadReport(const vsSpawn *cmd,
                  int reportfd,
                  GError **error)
{
    vsSpawnReport report;
    ssize_t n;

    do {
        n = read(reportfd, &report, sizeof(report));
    } while (n < 0 && errno == EINTR);

    if (n == 0)
        return TRUE;

    if (n != sizeof(report)) {
        report.stage = VS_SPAWN_STAGE_EXEC;
        report.errnum = n < 0 ? errno : EIO;
    }
    vsSpawnSetReportError(cmd, &report, error);
    return FALSE;
}


/* Reap @pid, retrying on EINTR; returns waitpid()'s result. */
static pid_t
vsSpawnReap(pid_t pid,
            int *status,
            int flags)
{
    pid_t ret;

    do {
        ret = waitpid(pid, status, flags);
    } while (ret < 0 && errno == EINTR);

    return ret;
}


static int
vsSpawnOpenPidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    /* Our unreaped child cannot be replaced by another process, so the
     * pidfd refers to it even if it has already exited. */
    int fd = syscall(SYS_pidfd_open, pid, 0);

    if (fd < 0)
        VS_DEBUG("pidfd_open failed: %s", g_strerror(errno));
    return fd;
#else
    return -1;
#endif
}


/* Where each child descriptor comes from: the standard streams (opening
 * /dev/null into *@devnull if one needs it), then the passed ones.
 * Fills @fdplan and the descriptor part of @plan. */
static gboolean
vsSpawnPlanFds(const vsSpawn *cmd,
               const int stdio[3],
               GArray *fdplan,
               vsSpawnChildPlan *plan,
               int *devnull,
               GError **error)
{
    size_t i;
    int fd;

    plan->base = 3;
    plan->ninherit = 0;
    for (fd = 0; fd < 3; fd++) {
        vsSpawnFdMap map = { .parentfd = stdio[fd], .childfd = fd };

        if (stdio[fd] == VS_SPAWN_INHERIT) {
            plan->inherit[plan->ninherit++] = fd;
            continue;
        }
        if (stdio[fd] < 0) {
            if (*devnull < 0 &&
                (*devnull = vsFileOpen("/dev/null", O_RDWR, 0, error)) < 0)
                return FALSE;
            map.parentfd = *devnull;
        }
        g_array_append_val(fdplan, map);
    }
    g_array_append_vals(fdplan, cmd->fds->data, cmd->fds->len);

    for (i = 0; i < fdplan->len; i++) {
        const vsSpawnFdMap *map = &g_array_index(fdplan, vsSpawnFdMap, i);

        VS_DEBUG("child fd %d from parent fd %d", map->childfd,
                 map->parentfd);
        plan->base = MAX(plan->base, map->childfd + 1);
    }
    plan->plan = (const vsSpawnFdMap *) fdplan->data;
    plan->nplan = fdplan->len;
    return TRUE;
}


/* fork() and let the child carry out @plan; returns once the child has
 * executed its program, or -1 (the failed child reaped) with @error. */
static pid_t
vsSpawnFork(const vsSpawn *cmd,
            vsSpawnChildPlan *plan,
            GError **error)
{
    VS_AUTOCLOSE int reportRd = -1;
    VS_AUTOCLOSE int reportWr = -1;
    sigset_t all;
    sigset_t old;
    int pipefds[2];
    pid_t pid;

    if (pipe2(pipefds, O_CLOEXEC) < 0) {
        vsSetErrorSystem(error, errno, _("cannot create pipe"));
        return -1;
    }
    reportRd = pipefds[0];
    reportWr = pipefds[1];
    plan->reportfd = reportWr;

    /* No signal handler of ours may run in the child before it has
     * reset the dispositions. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid = fork();
    if (pid == 0)
        vsSpawnChild(plan);
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (pid < 0) {
        vsSetErrorSystem(error, errno, _("cannot fork child for '%s'"),
                         (const char *) g_ptr_array_index(cmd->args, 0));
        return -1;
    }

    vsFdClose(&reportWr);
    if (!vsSpawnReadReport(cmd, reportRd, error)) {
        vsSpawnReap(pid, NULL, 0);
        return -1;
    }

    return pid;
}


/* Start @cmd with @stdio as its standard streams. Everything the child
 * needs is allocated here, before fork(). */
static pid_t
vsSpawnStart(vsSpawn *cmd,
             const int stdio[3],
             int *pidfd,
             GError **error)
{
    g_auto(GStrv) envp = vsSpawnBuildEnv(cmd);
    g_autofree char *path = NULL;
    g_autofree char **argv = NULL;
    g_autofree char *cmdline = NULL;
    g_autoptr(GArray) fdplan = g_array_new(FALSE, FALSE,
                                           sizeof(vsSpawnFdMap));
    g_autofree int *tmp = NULL;
    VS_AUTOCLOSE int devnull = -1;
    vsSpawnChildPlan plan;
    long openMax = sysconf(_SC_OPEN_MAX);
    pid_t pid;
    size_t i;

    memset(&plan, 0, sizeof(plan));
    if (!(path = vsSpawnFindProgram(g_ptr_array_index(cmd->args, 0), envp,
                                    error)))
        return -1;

    argv = g_new0(char *, cmd->args->len + 1);
    for (i = 0; i < cmd->args->len; i++)
        argv[i] = g_ptr_array_index(cmd->args, i);

    if (!vsSpawnPlanFds(cmd, stdio, fdplan, &plan, &devnull, error))
        return -1;

    tmp = g_new0(int, MAX(fdplan->len, 1));
    plan.path = path;
    plan.argv = argv;
    plan.envp = envp;
    plan.tmp = tmp;
    plan.newSession = cmd->newSession;
    plan.maxfd = openMax > 0 && openMax < 65536 ? openMax : 65536;

    if (vsLogEnabled(vsLogModule, VS_LOG_DEBUG)) {
        cmdline = vsSpawnToString(cmd);
        VS_DEBUG("running %s", cmdline);
    }

    if ((pid = vsSpawnFork(cmd, &plan, error)) < 0)
        return -1;

    if (pidfd)
        *pidfd = vsSpawnOpenPidfd(pid);
    VS_DEBUG("started pid %lld for %s", (long long) pid,
             (const char *) g_ptr_array_index(cmd->args, 0));
    return pid;
}


/**
 * vsSpawnRun:
 * @cmd: the command
 * @pidfd: (out) (optional) a pidfd (O_CLOEXEC) for the child, or -1 if
 *   the kernel has none
 * @error: return location for a #GError
 *
 * Starts the child and returns once it has executed its program: a
 * program that cannot be found or executed, or descriptors that cannot
 * be set up, are reported here ("cannot execute 'prog': No such file or
 * directory"), with the failed child already reaped. The caller must
 * reap a started child with vsSpawnWait().
 *
 * Returns: the child's pid, or -1 with @error set.
 */
pid_t
vsSpawnRun(vsSpawn *cmd,
           int *pidfd,
           GError **error)
{
    if (pidfd)
        *pidfd = -1;

    return vsSpawnStart(cmd, cmd->stdio, pidfd, error);
}


static gint64
vsSpawnRemainingMs(gint64 deadline)
{
    gint64 left = deadline - g_get_monotonic_time();

    return left <= 0 ? 0 : (left + 999) / 1000;
}


static void
vsSpawnSetTimeoutError(pid_t pid,
                       int timeoutMs,
                       GError **error)
{
    g_set_error(error, VS_ERROR_NONE, VS_ERR_OPERATION_TIMEOUT,
                _("process %lld did not exit within %d ms"),
                (long long) pid, timeoutMs);
}


/* Wait until the child behind @pidfd has exited or @timeoutMs passed. */
static gboolean
vsSpawnPollPidfd(pid_t pid,
                 int pidfd,
                 int timeoutMs,
                 GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64) timeoutMs * 1000;
    struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
    int rc;

    do {
        rc = poll(&pfd, 1, vsSpawnRemainingMs(deadline));
    } while (rc < 0 && errno == EINTR);

    if (rc < 0) {
        vsSetErrorSystem(error, errno, _("cannot wait for process %lld"),
                         (long long) pid);
        return FALSE;
    }
    if (rc == 0) {
        vsSpawnSetTimeoutError(pid, timeoutMs, error);
        return FALSE;
    }

    return TRUE;
}


/* Without a pidfd there is nothing to sleep on: poll waitpid() at
 * growing intervals, up to 50 ms, until reaped or out of time. */
static gboolean
vsSpawnPollWaitpid(pid_t pid,
                   int timeoutMs,
                   int *status,
                   GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64) timeoutMs * 1000;
    gint64 step = 1000;

    for (;;) {
        gint64 left;
        pid_t rc = vsSpawnReap(pid, status, WNOHANG);

        if (rc < 0) {
            vsSetErrorSystem(error, errno, _("cannot wait for process %lld"),
                             (long long) pid);
            return FALSE;
        }
        if (rc == pid)
            return TRUE;

        left = deadline - g_get_monotonic_time();
        if (left <= 0) {
            vsSpawnSetTimeoutError(pid, timeoutMs, error);
            return FALSE;
        }
        g_usleep(MIN(step, left));
        step = MIN(step * 2, 50000);
    }
}


/**
 * vsSpawnWait:
 * @pid: a child of this process
 * @pidfd: its pidfd, or -1
 * @timeoutMs: longest wait in milliseconds; < 0 waits forever
 * @status: (out) (optional) the waitpid() status
 * @error: return location for a #GError
 *
 * Waits for @pid to exit and reaps it. With a pidfd the wait sleeps in
 * poll(2); without one, a bounded wait checks at short intervals. After a
 * timeout the child is still running and still needs reaping.
 *
 * Returns: TRUE once reaped, FALSE with @error set (VS_ERROR_NONE,
 * VS_ERR_OPERATION_TIMEOUT on timeout).
 */
gboolean
vsSpawnWait(pid_t pid,
            int pidfd,
            int timeoutMs,
            int *status,
            GError **error)
{
    int st = 0;

    if (timeoutMs >= 0 && pidfd < 0) {
        if (!vsSpawnPollWaitpid(pid, timeoutMs, &st, error))
            return FALSE;
    } else {
        if (timeoutMs >= 0 && !vsSpawnPollPidfd(pid, pidfd, timeoutMs, error))
            return FALSE;
        if (vsSpawnReap(pid, &st, 0) < 0) {
            vsSetErrorSystem(error, errno, _("cannot wait for process %lld"),
                             (long long) pid);
            return FALSE;
        }
    }

    VS_DEBUG("process %lld ended, status 0x%x", (long long) pid, st);
    if (status)
        *status = st;
    return TRUE;
}


/**
 * vsSpawnDescribeStatus:
 * @status: a waitpid() status
 *
 * Returns: (transfer full) a translated description such as "exited with
 * status 3" or "killed by signal 9 (Killed)".
 */
char *
vsSpawnDescribeStatus(int status)
{
    if (WIFEXITED(status))
        return g_strdup_printf(_("exited with status %d"),
                               WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return g_strdup_printf(_("killed by signal %d (%s)"),
                               WTERMSIG(status),
                               g_strsignal(WTERMSIG(status)));
    if (WIFSTOPPED(status))
        return g_strdup_printf(_("stopped by signal %d (%s)"),
                               WSTOPSIG(status),
                               g_strsignal(WSTOPSIG(status)));
    return g_strdup_printf(_("ended with unknown status 0x%x"), status);
}


/* Append what @fd has to @buf, keeping at most VS_SPAWN_CAPTURE_MAX
 * bytes but always draining. Returns FALSE at end of stream or error. */
static gboolean
vsSpawnCapture(int fd,
               GString *buf)
{
    char chunk[65536];
    ssize_t n;

    do {
        n = read(fd, chunk, sizeof(chunk));
    } while (n < 0 && errno == EINTR);

    if (n <= 0)
        return FALSE;

    if (buf->len < VS_SPAWN_CAPTURE_MAX)
        g_string_append_len(buf, chunk,
                            MIN((size_t) n, VS_SPAWN_CAPTURE_MAX - buf->len));
    return TRUE;
}


/* Read stdout and stderr of the child together until both end, so that
 * a child filling one pipe never waits for us reading the other. */
static gboolean
vsSpawnCaptureBoth(int outfd,
                   int errfd,
                   GString *out,
                   GString *err,
                   GError **error)
{
    struct pollfd pfd[2] = {
        { .fd = outfd, .events = POLLIN },
        { .fd = errfd, .events = POLLIN },
    };
    GString *bufs[2] = { out, err };
    size_t i;

    while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            vsSetErrorSystem(error, errno, _("cannot read output of child"));
            return FALSE;
        }

        for (i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || pfd[i].revents == 0)
                continue;
            if (!vsSpawnCapture(pfd[i].fd, bufs[i]))
                pfd[i].fd = -1;
        }
    }

    return TRUE;
}


/* The failure of a command that ran: exit status or signal, and what it
 * said on stderr (its tail, if long). */
static void
vsSpawnSetStatusError(const char *prog,
                      int status,
                      const char *errText,
                      GError **error)
{
    g_autofree char *stripped = g_strstrip(g_strdup(errText));
    g_autofree char *quote = NULL;
    size_t len = strlen(stripped);

    if (len > VS_SPAWN_STDERR_QUOTE_MAX) {
        g_autofree char *tail =
            g_utf8_make_valid(stripped + len - VS_SPAWN_STDERR_QUOTE_MAX, -1);

        quote = g_strdup_printf("...%s", tail);
    } else {
        quote = g_utf8_make_valid(stripped, -1);
    }

    if (WIFEXITED(status) && *quote)
        g_set_error(error, VS_ERROR_NONE, VS_ERR_OPERATION_FAILED,
                    _("'%s' exited with status %d: %s"),
                    prog, WEXITSTATUS(status), quote);
    else if (WIFEXITED(status))
        g_set_error(error, VS_ERROR_NONE, VS_ERR_OPERATION_FAILED,
                    _("'%s' exited with status %d"),
                    prog, WEXITSTATUS(status));
    else if (*quote)
        g_set_error(error, VS_ERROR_NONE, VS_ERR_OPERATION_FAILED,
                    _("'%s' was killed by signal %d (%s): %s"),
                    prog, WTERMSIG(status), g_strsignal(WTERMSIG(status)),
                    quote);
    else
        g_set_error(error, VS_ERROR_NONE, VS_ERR_OPERATION_FAILED,
                    _("'%s' was killed by signal %d (%s)"),
                    prog, WTERMSIG(status), g_strsignal(WTERMSIG(status)));
}


/**
 * vsSpawnRunSync:
 * @cmd: the command; its stdout and stderr settings are overridden
 * @out: (out) (optional) (transfer full) the child's standard output
 * @err: (out) (optional) (transfer full) the child's standard error
 * @error: return location for a #GError
 *
 * Runs @cmd to completion, collecting up to 1 MiB of each output stream
 * (more is read and dropped). Waits for the output to end and for the
 * child to exit, without a time limit.
 *
 * Returns: TRUE if the child exited with status 0. FALSE with @error set
 * if it could not start, or (VS_ERROR_NONE, VS_ERR_OPERATION_FAILED)
 * naming the program, its status and its stderr if it failed; *@out and
 * *@err are then NULL.
 */
gboolean
vsSpawnRunSync(vsSpawn *cmd,
               char **out,
               char **err,
               GError **error)
{
    g_autoptr(GString) outBuf = g_string_new(NULL);
    g_autoptr(GString) errBuf = g_string_new(NULL);
    VS_AUTOCLOSE int outRd = -1;
    VS_AUTOCLOSE int outWr = -1;
    VS_AUTOCLOSE int errRd = -1;
    VS_AUTOCLOSE int errWr = -1;
    int pipefds[2];
    int stdio[3];
    int status = 0;
    pid_t pid;

    if (out)
        *out = NULL;
    if (err)
        *err = NULL;

    if (pipe2(pipefds, O_CLOEXEC) < 0) {
        vsSetErrorSystem(error, errno, _("cannot create pipe"));
        return FALSE;
    }
    outRd = pipefds[0];
    outWr = pipefds[1];
    if (pipe2(pipefds, O_CLOEXEC) < 0) {
        vsSetErrorSystem(error, errno, _("cannot create pipe"));
        return FALSE;
    }
    errRd = pipefds[0];
    errWr = pipefds[1];

    stdio[0] = cmd->stdio[0];
    stdio[1] = outWr;
    stdio[2] = errWr;
    if ((pid = vsSpawnStart(cmd, stdio, NULL, error)) < 0)
        return FALSE;

    /* Our write ends must go, or the reads below never see the end. */
    vsFdClose(&outWr);
    vsFdClose(&errWr);

    if (!vsSpawnCaptureBoth(outRd, errRd, outBuf, errBuf, error)) {
        vsSpawnReap(pid, NULL, 0);
        return FALSE;
    }

    if (!vsSpawnWait(pid, -1, -1, &status, error))
        return FALSE;

    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        vsSpawnSetStatusError(g_ptr_array_index(cmd->args, 0), status,
                              errBuf->str, error);
        return FALSE;
    }

    if (out)
        *out = g_string_free(g_steal_pointer(&outBuf), FALSE);
    if (err)
        *err = g_string_free(g_steal_pointer(&errBuf), FALSE);
    return TRUE;
}
