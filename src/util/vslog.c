/*
 * vslog.c: leveled logging with per-module filters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Filters are a comma or space separated list of "pattern:level" where the
 * pattern is a module name, optionally ending in ".*" to cover its
 * submodules ("qemu.*:debug,rpc:warn"). The last matching filter wins;
 * modules no filter names use the default priority. The configuration is
 * read under a reader lock on every message so it can change at run time.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vslog.h"
#include "vserror.h"
#include "vsinternal.h"

typedef struct {
    char *pattern;
    gboolean prefix;
    vsLogPriority prio;
} vsLogFilter;

static GRWLock vsLogLock;
static vsLogPriority vsLogDefault = VS_LOG_INFO;
static vsLogFilter *vsLogFilters;
static size_t vsLogNFilters;
static int vsLogFd = STDERR_FILENO;

static const char *const vsLogNames[] = {
    [VS_LOG_DEBUG] = "debug",
    [VS_LOG_INFO] = "info",
    [VS_LOG_WARN] = "warning",
    [VS_LOG_ERROR] = "error",
};


/**
 * vsLogParsePriority:
 * @level: "debug", "info", "warning"/"warn", "error" or "1".."4"
 *
 * Returns: the priority, or -1 if @level is not one.
 */
int
vsLogParsePriority(const char *level)
{
    if (g_str_equal(level, "debug") || g_str_equal(level, "1"))
        return VS_LOG_DEBUG;
    if (g_str_equal(level, "info") || g_str_equal(level, "2"))
        return VS_LOG_INFO;
    if (g_str_equal(level, "warning") || g_str_equal(level, "warn") ||
        g_str_equal(level, "3"))
        return VS_LOG_WARN;
    if (g_str_equal(level, "error") || g_str_equal(level, "4"))
        return VS_LOG_ERROR;
    return -1;
}


static gboolean
vsLogFilterMatches(const vsLogFilter *filter,
                   const char *module)
{
    size_t len;

    if (!filter->prefix)
        return g_str_equal(filter->pattern, module);

    len = strlen(filter->pattern);
    if (len == 0)
        return TRUE;
    if (strncmp(filter->pattern, module, len) != 0)
        return FALSE;
    return module[len] == '\0' || module[len] == '.';
}


/**
 * vsLogEnabled:
 * @module: module name given to VS_LOG_INIT
 * @prio: priority of the message about to be logged
 *
 * Returns: TRUE if a message of @prio from @module passes the filters.
 */
gboolean
vsLogEnabled(const char *module,
             vsLogPriority prio)
{
    vsLogPriority limit;
    size_t i;

    g_rw_lock_reader_lock(&vsLogLock);
    limit = vsLogDefault;
    for (i = 0; i < vsLogNFilters; i++) {
        if (vsLogFilterMatches(&vsLogFilters[i], module))
            limit = vsLogFilters[i].prio;
    }
    g_rw_lock_reader_unlock(&vsLogLock);

    return prio >= limit;
}


/**
 * vsLogMessage:
 * @module: module name
 * @prio: priority
 * @func: function that logs
 * @line: source line
 * @fmt: printf format
 *
 * Writes one line "time: tid: level : module: func:line: message" with a
 * single write(2), so that lines from threads and processes sharing the
 * output never interleave.
 */
void
vsLogMessage(const char *module,
             vsLogPriority prio,
             const char *func,
             int line,
             const char *fmt,
             ...)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%F %T.%f");
    g_autofree char *msg = NULL;
    g_autofree char *out = NULL;
    va_list args;
    int fd;

    va_start(args, fmt);
    msg = g_strdup_vprintf(fmt, args);
    va_end(args);

    /* %f prints microseconds; keep milliseconds. */
    if (stamp && strlen(stamp) > 23)
        stamp[23] = '\0';

    out = g_strdup_printf("%s+0000: %ld: %s : %s: %s:%d: %s\n",
                          stamp, (long) syscall(SYS_gettid),
                          vsLogNames[prio], module, func, line, msg);

    g_rw_lock_reader_lock(&vsLogLock);
    fd = vsLogFd;
    if (fd >= 0) {
        size_t len = strlen(out);
        ssize_t done = 0;

        while ((size_t) done < len) {
            ssize_t n = write(fd, out + done, len - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            done += n;
        }
    }
    g_rw_lock_reader_unlock(&vsLogLock);
}


/**
 * vsLogSetDefaultPriority:
 * @level: priority name
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set if @level is not a priority.
 */
gboolean
vsLogSetDefaultPriority(const char *level,
                        GError **error)
{
    int prio = vsLogParsePriority(level);

    if (prio < 0) {
        g_set_error(error, VS_ERROR_CONF, VS_ERR_CONF_SYNTAX,
                    _("unknown log level '%s'"), level);
        return FALSE;
    }

    g_rw_lock_writer_lock(&vsLogLock);
    vsLogDefault = prio;
    g_rw_lock_writer_unlock(&vsLogLock);
    return TRUE;
}


static void
vsLogFiltersFree(vsLogFilter *filters,
                 size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        g_free(filters[i].pattern);
    g_free(filters);
}


/**
 * vsLogSetFilters:
 * @filters: filter list, see the top of this file; "" removes all filters
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set (and the old filters kept) if @filters
 * does not parse.
 */
gboolean
vsLogSetFilters(const char *filters,
                GError **error)
{
    g_auto(GStrv) items = g_strsplit_set(filters, ", \t\n", -1);
    vsLogFilter *parsed = g_new0(vsLogFilter, g_strv_length(items) + 1);
    size_t n = 0;
    size_t i;

    for (i = 0; items[i]; i++) {
        const char *colon = strrchr(items[i], ':');
        int prio;

        if (!*items[i])
            continue;

        if (!colon || colon == items[i] ||
            (prio = vsLogParsePriority(colon + 1)) < 0) {
            g_set_error(error, VS_ERROR_CONF, VS_ERR_CONF_SYNTAX,
                        _("invalid log filter '%s'"), items[i]);
            vsLogFiltersFree(parsed, n);
            return FALSE;
        }

        parsed[n].pattern = g_strndup(items[i], colon - items[i]);
        parsed[n].prio = prio;
        if (g_str_has_suffix(parsed[n].pattern, ".*")) {
            parsed[n].pattern[strlen(parsed[n].pattern) - 2] = '\0';
            parsed[n].prefix = TRUE;
        } else if (g_str_equal(parsed[n].pattern, "*")) {
            parsed[n].pattern[0] = '\0';
            parsed[n].prefix = TRUE;
        }
        n++;
    }

    g_rw_lock_writer_lock(&vsLogLock);
    vsLogFiltersFree(vsLogFilters, vsLogNFilters);
    vsLogFilters = parsed;
    vsLogNFilters = n;
    g_rw_lock_writer_unlock(&vsLogLock);
    return TRUE;
}


/**
 * vsLogSetOutputFd:
 * @fd: (transfer full) descriptor log lines go to, or -1 to discard them
 *
 * The log owns @fd from now on and closes it when another output
 * replaces it; standard output and standard error are never closed.
 */
void
vsLogSetOutputFd(int fd)
{
    g_rw_lock_writer_lock(&vsLogLock);
    if (vsLogFd > STDERR_FILENO)
        close(vsLogFd);
    vsLogFd = fd;
    g_rw_lock_writer_unlock(&vsLogLock);
}


/**
 * vsLogSetOutputFile:
 * @path: file to append log lines to
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set if @path cannot be opened.
 */
gboolean
vsLogSetOutputFile(const char *path,
                   GError **error)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

    if (fd < 0) {
        vsSetErrorSystem(error, errno, _("cannot open log file '%s'"), path);
        return FALSE;
    }

    vsLogSetOutputFd(fd);
    return TRUE;
}


/**
 * vsLogReset:
 *
 * Back to the defaults: info and above to stderr, no filters.
 */
void
vsLogReset(void)
{
    vsLogSetOutputFd(STDERR_FILENO);
    g_rw_lock_writer_lock(&vsLogLock);
    vsLogFiltersFree(vsLogFilters, vsLogNFilters);
    vsLogFilters = NULL;
    vsLogNFilters = 0;
    vsLogDefault = VS_LOG_INFO;
    g_rw_lock_writer_unlock(&vsLogLock);
}
