/*
 * daemon_config.c: virtsaved.conf
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "daemon_config.h"
#include "vsnetserver.h"
#include "vserror.h"
#include "vslog.h"
#include "vsinternal.h"

VS_LOG_INIT("daemon.config");

typedef enum {
    DAEMON_CONFIG_STRING,       /* "text" */
    DAEMON_CONFIG_LEVEL,        /* "debug" or 1..4, kept as text */
    DAEMON_CONFIG_UINT,
    DAEMON_CONFIG_INT,
    DAEMON_CONFIG_BOOL,         /* 0 or 1 */
    DAEMON_CONFIG_MODE,         /* "0770" or an octal-looking integer */
} daemonConfigType;

typedef struct _daemonConfigKey daemonConfigKey;
struct _daemonConfigKey {
    const char *name;
    daemonConfigType type;
    size_t offset;
    gint64 min;
    gint64 max;
};

#define KEY(name, type, field, min, max) \
    { name, type, offsetof(daemonConfig, field), min, max }

static const daemonConfigKey daemonConfigKeys[] = {
    KEY("log_level", DAEMON_CONFIG_LEVEL, logLevel, 0, 0),
    KEY("log_filters", DAEMON_CONFIG_STRING, logFilters, 0, 0),
    KEY("log_file", DAEMON_CONFIG_STRING, logFile, 0, 0),
    KEY("unix_sock_group", DAEMON_CONFIG_STRING, unixSockGroup, 0, 0),
    KEY("unix_sock_rw_perms", DAEMON_CONFIG_MODE, unixSockRwPerms, 0, 07777),
    KEY("max_clients", DAEMON_CONFIG_UINT, maxClients, 1, 100000),
    KEY("max_workers", DAEMON_CONFIG_UINT, maxWorkers, 1, 1024),
    KEY("prio_workers", DAEMON_CONFIG_UINT, prioWorkers, 1, 1024),
    KEY("max_client_requests", DAEMON_CONFIG_UINT, maxClientRequests, 1, 1024),
    KEY("keepalive_interval", DAEMON_CONFIG_INT, keepaliveInterval, -1, 3600),
    KEY("keepalive_count", DAEMON_CONFIG_UINT, keepaliveCount, 0, 1000),
    KEY("listen_system_socket", DAEMON_CONFIG_BOOL, listenSystemSocket, 0, 1),
    KEY("shutdown_timeout", DAEMON_CONFIG_UINT, shutdownTimeout, 0, 86400),
    KEY("max_anonymous_clients", DAEMON_CONFIG_UINT, maxAnonymousClients,
        0, 100000),
    KEY("anonymous_client_timeout", DAEMON_CONFIG_UINT,
        anonymousClientTimeout, 0, 3600),
    KEY("max_clients_per_uid", DAEMON_CONFIG_UINT, maxClientsPerUid,
        0, 100000),
    KEY("message_timeout", DAEMON_CONFIG_UINT, messageTimeout, 0, 3600),
    KEY("max_incomplete_mib", DAEMON_CONFIG_UINT, maxIncompleteMiB,
        1, 65536),
};

#undef KEY


/**
 * daemonConfigNew:
 *
 * Returns: (transfer full) the defaults: owner-only socket, 8 workers
 * plus 5 for quick calls, keepalive every 5 s with 5 missed answers
 * allowed.
 */
daemonConfig *
daemonConfigNew(void)
{
    daemonConfig *cfg = g_new0(daemonConfig, 1);
    vsNetServerConfig net = { 0 };

    /* The server's limits have one set of defaults, the server's own. */
    vsNetServerConfigInit(&net);
    cfg->unixSockRwPerms = 0700;
    cfg->maxClients = net.maxClients;
    cfg->maxWorkers = net.maxWorkers;
    cfg->prioWorkers = net.prioWorkers;
    cfg->maxClientRequests = net.maxClientRequests;
    cfg->keepaliveInterval = net.keepaliveInterval;
    cfg->keepaliveCount = net.keepaliveCount;
    cfg->shutdownTimeout = net.shutdownTimeout;
    cfg->maxAnonymousClients = net.maxAnonymousClients;
    cfg->anonymousClientTimeout = net.anonymousTimeout;
    cfg->maxClientsPerUid = net.maxClientsPerUid;
    cfg->messageTimeout = net.messageTimeout;
    cfg->maxIncompleteMiB = net.maxIncompleteBytes / (1024 * 1024);
    return cfg;
}


/**
 * daemonConfigFree:
 * @cfg: a configuration, or NULL
 */
void
daemonConfigFree(daemonConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->logLevel);
    g_free(cfg->logFilters);
    g_free(cfg->logFile);
    g_free(cfg->unixSockGroup);
    g_free(cfg);
}


static const daemonConfigKey *
daemonConfigFindKey(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(daemonConfigKeys); i++) {
        if (g_str_equal(daemonConfigKeys[i].name, name))
            return &daemonConfigKeys[i];
    }
    return NULL;
}


/* A double-quoted string with \" and \\ escapes, nothing after it. */
static char *
daemonConfigParseString(const char *value)
{
    g_autoptr(GString) out = g_string_new(NULL);
    const char *p;

    if (*value != '"')
        return NULL;
    for (p = value + 1; *p && *p != '"'; p++) {
        if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
            p++;
        g_string_append_c(out, *p);
    }
    if (*p != '"' || p[1] != '\0')
        return NULL;
    return g_string_free(g_steal_pointer(&out), FALSE);
}


static gboolean
daemonConfigParseNumber(const char *value,
                        guint base,
                        gint64 *num)
{
    char *end = NULL;

    errno = 0;
    *num = g_ascii_strtoll(value, &end, base);
    return errno == 0 && end != value && *end == '\0';
}


static gboolean
daemonConfigSet(daemonConfig *cfg,
                const daemonConfigKey *key,
                const char *value)
{
    void *field = (char *)cfg + key->offset;
    g_autofree char *str = daemonConfigParseString(value);
    gint64 num;

    switch (key->type) {
    case DAEMON_CONFIG_STRING:
    case DAEMON_CONFIG_LEVEL:
        if (!str && key->type == DAEMON_CONFIG_LEVEL &&
            daemonConfigParseNumber(value, 10, &num))
            str = g_strdup(value);
        if (!str)
            return FALSE;
        g_free(*(char **)field);
        *(char **)field = g_steal_pointer(&str);
        return TRUE;
    case DAEMON_CONFIG_MODE:
        if (!daemonConfigParseNumber(str ? str : value, 8, &num) ||
            num < key->min || num > key->max)
            return FALSE;
        *(mode_t *)field = (mode_t)num;
        return TRUE;
    case DAEMON_CONFIG_UINT:
    case DAEMON_CONFIG_INT:
    case DAEMON_CONFIG_BOOL:
        if (!daemonConfigParseNumber(value, 10, &num) ||
            num < key->min || num > key->max)
            return FALSE;
        if (key->type == DAEMON_CONFIG_UINT)
            *(guint *)field = (guint)num;
        else if (key->type == DAEMON_CONFIG_INT)
            *(int *)field = (int)num;
        else
            *(gboolean *)field = num != 0;
        return TRUE;
    }
    return FALSE;
}


static gboolean
daemonConfigParseLine(daemonConfig *cfg,
                      char *line,
                      const char *origin,
                      size_t lineno,
                      GError **error)
{
    const daemonConfigKey *key;
    char *eq;
    char *name;
    char *value;
    char *hash;

    /* a '#' outside quotes starts a comment */
    hash = strchr(line, '#');
    if (hash && !memchr(line, '"', hash - line))
        *hash = '\0';
    g_strstrip(line);
    if (*line == '\0')
        return TRUE;

    if (!(eq = strchr(line, '='))) {
        g_set_error(error, VS_ERROR_CONF, VS_ERR_CONF_SYNTAX,
                    _("%s:%zu: expected 'key = value'"), origin, lineno);
        return FALSE;
    }
    *eq = '\0';
    name = g_strstrip(line);
    value = g_strstrip(eq + 1);

    if (!(key = daemonConfigFindKey(name))) {
        VS_WARN("%s:%zu: ignoring unknown key '%s'", origin, lineno, name);
        return TRUE;
    }
    if (!daemonConfigSet(cfg, key, value)) {
        g_set_error(error, VS_ERROR_CONF, VS_ERR_CONF_SYNTAX,
                    _("%s:%zu: invalid value '%s' for '%s'"),
                    origin, lineno, value, name);
        return FALSE;
    }
    return TRUE;
}


/**
 * daemonConfigParse:
 * @cfg: configuration to update
 * @text: the file's contents
 * @origin: the file's name, for messages
 * @error: return location for a #GError
 *
 * Unknown keys are logged and ignored, so that a newer file still works;
 * a malformed line or an out-of-range value is an error.
 *
 * Returns: FALSE with @error set (VS_ERR_CONF_SYNTAX) on a bad line.
 */
gboolean
daemonConfigParse(daemonConfig *cfg,
                  const char *text,
                  const char *origin,
                  GError **error)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    size_t i;

    for (i = 0; lines[i]; i++) {
        if (!daemonConfigParseLine(cfg, lines[i], origin, i + 1, error))
            return FALSE;
    }
    return TRUE;
}


/**
 * daemonConfigLoad:
 * @cfg: configuration to update
 * @path: the file
 * @mustExist: whether a missing file is an error
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set if the file cannot be read or parsed.
 */
gboolean
daemonConfigLoad(daemonConfig *cfg,
                 const char *path,
                 gboolean mustExist,
                 GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        if (!mustExist && g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
        g_set_error(error, VS_ERROR_CONF, VS_ERR_READ_FAILED,
                    _("cannot read configuration file '%s': %s"),
                    path, err->message);
        return FALSE;
    }
    return daemonConfigParse(cfg, text, path, error);
}
