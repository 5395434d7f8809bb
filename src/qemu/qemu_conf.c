/*
 * qemu_conf.c: the QEMU driver's directories and qemu.conf settings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_conf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.conf");

VS_ENUM_IMPL(qemuAccel, QEMU_ACCEL_LAST,
             "auto",
             "kvm",
             "tcg",
);

VS_ENUM_IMPL(qemuRestoreMode, QEMU_RESTORE_MODE_LAST,
             "eager",
             "lazy",
);

VS_ENUM_IMPL(qemuShutdownScope, QEMU_SHUTDOWN_SCOPE_LAST,
             "none",
             "persistent",
             "transient",
             "all",
);

/* KVM_GET_API_VERSION has returned 12 since Linux 2.6.22; anything else
 * is an interface this code does not know. */
#define QEMU_KVM_API_VERSION 12

#define QEMU_CONF_STOP_TIMEOUT_DEFAULT 30
#define QEMU_CONF_NETWORK_DIR_DEFAULT "/etc/libvirt/qemu/networks"
#define QEMU_CONF_STOP_TIMEOUT_MAX 3600
#define QEMU_CONF_AUTO_START_DELAY_MAX (3600 * 1000)
#define QEMU_CONF_AUTO_SHUTDOWN_WAIT_DEFAULT 30
#define QEMU_CONF_AUTO_SHUTDOWN_WAIT_MAX 3600


/**
 * qemuDriverConfigNew:
 * @root: (nullable): the daemon's --root directory, or NULL
 *
 * Lays out the driver's directories (under @root, or the system
 * directories chosen at build time) and fills in the defaults of every
 * qemu.conf key.
 *
 * Returns: (transfer full) a new configuration.
 */
qemuDriverConfig *
qemuDriverConfigNew(const char *root)
{
    g_autoptr(qemuDriverConfig) cfg = g_new0(qemuDriverConfig, 1);
    g_autofree char *runDir = NULL;
    g_autofree char *logBase = NULL;

    if (root) {
        cfg->root = g_canonicalize_filename(root, NULL);
        cfg->configDir = g_build_filename(cfg->root, "etc", NULL);
        cfg->libDir = g_build_filename(cfg->root, "lib", NULL);
        runDir = g_build_filename(cfg->root, "run", NULL);
        logBase = g_build_filename(cfg->root, "log", NULL);
    } else {
        cfg->configDir = g_build_filename(VS_SYSCONFDIR, PACKAGE, NULL);
        cfg->libDir = g_build_filename(VS_LOCALSTATEDIR, "lib", PACKAGE,
                                       NULL);
        runDir = g_build_filename(VS_RUNSTATEDIR, PACKAGE, NULL);
        logBase = g_build_filename(VS_LOCALSTATEDIR, "log", PACKAGE, NULL);
    }

    cfg->configFile = g_build_filename(cfg->configDir, "qemu.conf", NULL);
    cfg->domainDir = g_build_filename(cfg->configDir, "qemu", NULL);
    cfg->autostartDir = g_build_filename(cfg->domainDir, "autostart", NULL);
    cfg->saveDir = g_build_filename(cfg->libDir, "save", NULL);
    cfg->stateDir = g_build_filename(runDir, "qemu", NULL);
    cfg->logDir = g_build_filename(logBase, "qemu", NULL);

    cfg->qemuBinary = g_strdup(VS_QEMU_BINARY);
    cfg->accel = QEMU_ACCEL_AUTO;
    /* Unlike libvirt (raw), the fast mapped-ram path is the default. */
    cfg->saveImageFormat = QEMU_SAVE_FORMAT_SPARSE;
    cfg->saveParallelChannels = 0;    /* automatic */
    cfg->saveMaxConcurrent = QEMU_CONF_MAX_CONCURRENT_DEFAULT;
    cfg->autoStartBypassCache = FALSE;
    cfg->autoSaveBypassCache = FALSE;
    cfg->restoreMode = QEMU_RESTORE_MODE_EAGER;
    cfg->restoreLazyDetach = FALSE;
    cfg->stopTimeout = QEMU_CONF_STOP_TIMEOUT_DEFAULT;
    /* Host shutdown leaves guests alone unless configured otherwise. */
    cfg->autoStartDelay = 0;
    cfg->autoShutdownTrySave = QEMU_SHUTDOWN_SCOPE_NONE;
    cfg->autoShutdownTryShutdown = QEMU_SHUTDOWN_SCOPE_NONE;
    cfg->autoShutdownPoweroff = QEMU_SHUTDOWN_SCOPE_NONE;
    cfg->autoShutdownWait = QEMU_CONF_AUTO_SHUTDOWN_WAIT_DEFAULT;
    cfg->autoShutdownRestore = TRUE;
    /* libvirt's own network definitions (docs/formatdomain.md). */
    cfg->networkDir = g_strdup(QEMU_CONF_NETWORK_DIR_DEFAULT);

    return g_steal_pointer(&cfg);
}


/**
 * qemuDriverConfigFree:
 * @cfg: (nullable): a configuration
 */
void
qemuDriverConfigFree(qemuDriverConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->root);
    g_free(cfg->configDir);
    g_free(cfg->configFile);
    g_free(cfg->domainDir);
    g_free(cfg->autostartDir);
    g_free(cfg->libDir);
    g_free(cfg->saveDir);
    g_free(cfg->stateDir);
    g_free(cfg->logDir);
    g_free(cfg->qemuBinary);
    g_free(cfg->networkDir);
    g_free(cfg);
}


/* One value of a qemu.conf line: a quoted string or an integer. */
typedef struct {
    const char *file;
    unsigned int line;
    const char *key;
    char *str;              /* NULL for an integer */
    long long num;
} qemuConfValue;

static void
qemuConfValueError(GError **error,
                   const qemuConfValue *val,
                   const char *expected)
{
    g_set_error(error, VS_ERROR_CONF, VS_ERR_CONF_SYNTAX,
                _("%s:%u: invalid value for '%s': expected %s"),
                val->file, val->line, val->key, expected);
}


static gboolean
qemuConfGetString(const qemuConfValue *val,
                  const char **str,
                  GError **error)
{
    if (!val->str) {
        qemuConfValueError(error, val, _("a quoted string"));
        return FALSE;
    }
    *str = val->str;
    return TRUE;
}


static gboolean
qemuConfGetUInt(const qemuConfValue *val,
                long long min,
                long long max,
                unsigned int *num,
                GError **error)
{
    if (val->str || val->num < min || val->num > max) {
        g_autofree char *expected =
            g_strdup_printf(_("an integer between %lld and %lld"), min, max);

        qemuConfValueError(error, val, expected);
        return FALSE;
    }
    *num = val->num;
    return TRUE;
}


static gboolean
qemuConfGetBool(const qemuConfValue *val,
                gboolean *b,
                GError **error)
{
    unsigned int num;

    if (!qemuConfGetUInt(val, 0, 1, &num, error))
        return FALSE;
    *b = num == 1;
    return TRUE;
}


static gboolean
qemuConfSetBinary(qemuDriverConfig *cfg,
                  const qemuConfValue *val,
                  GError **error)
{
    const char *str;

    if (!qemuConfGetString(val, &str, error))
        return FALSE;
    if (!*str) {
        qemuConfValueError(error, val, _("a program name or path"));
        return FALSE;
    }
    g_free(cfg->qemuBinary);
    cfg->qemuBinary = g_strdup(str);
    return TRUE;
}


static gboolean
qemuConfSetNetworkDir(qemuDriverConfig *cfg,
                      const qemuConfValue *val,
                      GError **error)
{
    const char *str;

    if (!qemuConfGetString(val, &str, error))
        return FALSE;
    if (!g_path_is_absolute(str)) {
        qemuConfValueError(error, val, _("an absolute directory"));
        return FALSE;
    }
    g_free(cfg->networkDir);
    cfg->networkDir = g_strdup(str);
    return TRUE;
}


static gboolean
qemuConfSetAccel(qemuDriverConfig *cfg,
                 const qemuConfValue *val,
                 GError **error)
{
    const char *str;
    int accel;

    if (!qemuConfGetString(val, &str, error))
        return FALSE;
    if ((accel = qemuAccelTypeFromString(str)) < 0) {
        qemuConfValueError(error, val, "\"auto\", \"kvm\" or \"tcg\"");
        return FALSE;
    }
    cfg->accel = accel;
    return TRUE;
}


static gboolean
qemuConfSetSaveFormat(qemuDriverConfig *cfg,
                      const qemuConfValue *val,
                      GError **error)
{
    const char *str;
    int format;

    if (!qemuConfGetString(val, &str, error))
        return FALSE;
    /* Exact, case-sensitive names: each is also a compressor's name. */
    if ((format = qemuSaveFormatTypeFromString(str)) < 0) {
        qemuConfValueError(error, val,
                           "raw, gzip, bzip2, xz, lzop, zstd or sparse");
        return FALSE;
    }
    cfg->saveImageFormat = format;
    return TRUE;
}


static gboolean
qemuConfSetChannels(qemuDriverConfig *cfg,
                    const qemuConfValue *val,
                    GError **error)
{
    /* 0: chosen for each save from the host and the guest */
    return qemuConfGetUInt(val, 0, QEMU_CONF_CHANNELS_MAX,
                           &cfg->saveParallelChannels, error);
}


static gboolean
qemuConfSetMaxConcurrent(qemuDriverConfig *cfg,
                         const qemuConfValue *val,
                         GError **error)
{
    /* 0: no bound */
    return qemuConfGetUInt(val, 0, QEMU_CONF_MAX_CONCURRENT_MAX,
                           &cfg->saveMaxConcurrent, error);
}


static gboolean
qemuConfSetStartBypass(qemuDriverConfig *cfg,
                       const qemuConfValue *val,
                       GError **error)
{
    return qemuConfGetBool(val, &cfg->autoStartBypassCache, error);
}


static gboolean
qemuConfSetSaveBypass(qemuDriverConfig *cfg,
                      const qemuConfValue *val,
                      GError **error)
{
    return qemuConfGetBool(val, &cfg->autoSaveBypassCache, error);
}


static gboolean
qemuConfSetStopTimeout(qemuDriverConfig *cfg,
                       const qemuConfValue *val,
                       GError **error)
{
    return qemuConfGetUInt(val, 1, QEMU_CONF_STOP_TIMEOUT_MAX,
                           &cfg->stopTimeout, error);
}


static gboolean
qemuConfSetRestoreMode(qemuDriverConfig *cfg,
                       const qemuConfValue *val,
                       GError **error)
{
    const char *str;
    int mode;

    if (!qemuConfGetString(val, &str, error))
        return FALSE;
    if ((mode = qemuRestoreModeTypeFromString(str)) < 0) {
        qemuConfValueError(error, val, "\"eager\" or \"lazy\"");
        return FALSE;
    }
    cfg->restoreMode = mode;
    return TRUE;
}


static gboolean
qemuConfSetLazyDetach(qemuDriverConfig *cfg,
                      const qemuConfValue *val,
                      GError **error)
{
    return qemuConfGetBool(val, &cfg->restoreLazyDetach, error);
}


static gboolean
qemuConfSetStartDelay(qemuDriverConfig *cfg,
                      const qemuConfValue *val,
                      GError **error)
{
    return qemuConfGetUInt(val, 0, QEMU_CONF_AUTO_START_DELAY_MAX,
                           &cfg->autoStartDelay, error);
}


static gboolean
qemuConfGetScope(const qemuConfValue *val,
                 qemuShutdownScope *scope,
                 GError **error)
{
    const char *str;
    int value;

    if (!qemuConfGetString(val, &str, error))
        return FALSE;
    if ((value = qemuShutdownScopeTypeFromString(str)) < 0) {
        qemuConfValueError(error, val,
                           "\"all\", \"persistent\", \"transient\" or \"none\"");
        return FALSE;
    }
    *scope = value;
    return TRUE;
}


static gboolean
qemuConfSetTrySave(qemuDriverConfig *cfg,
                   const qemuConfValue *val,
                   GError **error)
{
    return qemuConfGetScope(val, &cfg->autoShutdownTrySave, error);
}


static gboolean
qemuConfSetTryShutdown(qemuDriverConfig *cfg,
                       const qemuConfValue *val,
                       GError **error)
{
    return qemuConfGetScope(val, &cfg->autoShutdownTryShutdown, error);
}


static gboolean
qemuConfSetPoweroff(qemuDriverConfig *cfg,
                    const qemuConfValue *val,
                    GError **error)
{
    return qemuConfGetScope(val, &cfg->autoShutdownPoweroff, error);
}


static gboolean
qemuConfSetShutdownWait(qemuDriverConfig *cfg,
                        const qemuConfValue *val,
                        GError **error)
{
    return qemuConfGetUInt(val, 1, QEMU_CONF_AUTO_SHUTDOWN_WAIT_MAX,
                           &cfg->autoShutdownWait, error);
}


static gboolean
qemuConfSetShutdownRestore(qemuDriverConfig *cfg,
                           const qemuConfValue *val,
                           GError **error)
{
    return qemuConfGetBool(val, &cfg->autoShutdownRestore, error);
}


typedef gboolean (*qemuConfSetter)(qemuDriverConfig *cfg,
                                   const qemuConfValue *val,
                                   GError **error);

static const struct {
    const char *key;
    qemuConfSetter set;
} qemuConfKeys[] = {
    { "qemu_binary", qemuConfSetBinary },
    { "accel", qemuConfSetAccel },
    { "save_image_format", qemuConfSetSaveFormat },
    { "save_parallel_channels", qemuConfSetChannels },
    { "save_max_concurrent", qemuConfSetMaxConcurrent },
    { "auto_start_bypass_cache", qemuConfSetStartBypass },
    { "auto_save_bypass_cache", qemuConfSetSaveBypass },
    { "stop_timeout", qemuConfSetStopTimeout },
    { "network_dir", qemuConfSetNetworkDir },
    { "restore_mode", qemuConfSetRestoreMode },
    { "restore_lazy_detach", qemuConfSetLazyDetach },
    { "auto_start_delay", qemuConfSetStartDelay },
    { "auto_shutdown_try_save", qemuConfSetTrySave },
    { "auto_shutdown_try_shutdown", qemuConfSetTryShutdown },
    { "auto_shutdown_poweroff", qemuConfSetPoweroff },
    { "auto_shutdown_wait", qemuConfSetShutdownWait },
    { "auto_shutdown_restore", qemuConfSetShutdownRestore },
};


/* State of the line parser: @p walks the current line. */
typedef struct {
    const char *file;
    unsigned int line;
    const char *p;
} qemuConfCursor;

static void G_GNUC_PRINTF(3, 4)
qemuConfSyntaxError(GError **error,
                    const qemuConfCursor *cur,
                    const char *fmt,
                    ...)
{
    g_autofree char *msg = NULL;
    va_list args;

    va_start(args, fmt);
    msg = g_strdup_vprintf(fmt, args);
    va_end(args);

    g_set_error(error, VS_ERROR_CONF, VS_ERR_CONF_SYNTAX,
                "%s:%u: %s", cur->file, cur->line, msg);
}


static void
qemuConfSkipBlanks(qemuConfCursor *cur)
{
    while (*cur->p == ' ' || *cur->p == '\t' || *cur->p == '\r')
        cur->p++;
}


static char *
qemuConfParseKey(qemuConfCursor *cur,
                 GError **error)
{
    const char *start = cur->p;

    if (!g_ascii_isalpha(*cur->p) && *cur->p != '_') {
        qemuConfSyntaxError(error, cur, _("expecting a key name"));
        return NULL;
    }
    while (g_ascii_isalnum(*cur->p) || *cur->p == '_')
        cur->p++;
    return g_strndup(start, cur->p - start);
}


static char *
qemuConfParseString(qemuConfCursor *cur,
                    GError **error)
{
    g_autoptr(GString) str = g_string_new(NULL);

    cur->p++; /* the opening quote */
    while (*cur->p != '"') {
        if (*cur->p == '\0' || *cur->p == '\n') {
            qemuConfSyntaxError(error, cur, _("unterminated string"));
            return NULL;
        }
        /* Only the quote and the backslash itself need escaping. */
        if (*cur->p == '\\' && (cur->p[1] == '"' || cur->p[1] == '\\'))
            cur->p++;
        g_string_append_c(str, *cur->p);
        cur->p++;
    }
    cur->p++;
    return g_string_free(g_steal_pointer(&str), FALSE);
}


static gboolean
qemuConfParseValue(qemuConfCursor *cur,
                   qemuConfValue *val,
                   GError **error)
{
    const char *start = cur->p;
    g_autofree char *digits = NULL;

    if (*cur->p == '"') {
        val->str = qemuConfParseString(cur, error);
        return val->str != NULL;
    }
    if (*cur->p == '[') {
        qemuConfSyntaxError(error, cur, _("lists are not supported for '%s'"),
                            val->key);
        return FALSE;
    }

    if (*cur->p == '-')
        cur->p++;
    while (g_ascii_isdigit(*cur->p))
        cur->p++;
    digits = g_strndup(start, cur->p - start);

    if (!g_ascii_string_to_signed(digits, 10, G_MININT64, G_MAXINT64,
                                  (gint64 *) &val->num, NULL)) {
        qemuConfSyntaxError(error, cur,
                            _("expecting a quoted string or an integer "
                              "for '%s'"), val->key);
        return FALSE;
    }
    return TRUE;
}


static gboolean
qemuConfApply(qemuDriverConfig *cfg,
              const qemuConfValue *val,
              GError **error)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(qemuConfKeys); i++) {
        if (g_str_equal(qemuConfKeys[i].key, val->key))
            return qemuConfKeys[i].set(cfg, val, error);
    }

    /* Like libvirt, tolerate keys of other versions or drivers. */
    VS_WARN("%s:%u: ignoring unknown key '%s'", val->file, val->line,
            val->key);
    return TRUE;
}


static gboolean
qemuConfParseLine(qemuDriverConfig *cfg,
                  qemuConfCursor *cur,
                  GError **error)
{
    g_autofree char *key = NULL;
    g_autofree char *str = NULL;
    qemuConfValue val = { .file = cur->file, .line = cur->line };

    qemuConfSkipBlanks(cur);
    if (*cur->p == '\0' || *cur->p == '\n' || *cur->p == '#')
        return TRUE;

    if (!(key = qemuConfParseKey(cur, error)))
        return FALSE;
    val.key = key;

    qemuConfSkipBlanks(cur);
    if (*cur->p != '=') {
        qemuConfSyntaxError(error, cur, _("expecting '=' after '%s'"), key);
        return FALSE;
    }
    cur->p++;
    qemuConfSkipBlanks(cur);

    if (!qemuConfParseValue(cur, &val, error))
        return FALSE;
    str = val.str;

    qemuConfSkipBlanks(cur);
    if (*cur->p != '\0' && *cur->p != '\n' && *cur->p != '#') {
        qemuConfSyntaxError(error, cur,
                            _("unexpected text after the value of '%s'"),
                            key);
        return FALSE;
    }

    return qemuConfApply(cfg, &val, error);
}


/**
 * qemuDriverConfigParseString:
 * @cfg: configuration to update
 * @content: qemu.conf text
 * @filename: name used in error messages
 * @error: return location for a #GError
 *
 * Applies every `key = value` line of @content to @cfg. Values are
 * integers or double-quoted strings; `#` starts a comment. Unknown keys
 * are ignored with a warning. @cfg may be partly updated on failure.
 *
 * Returns: TRUE on success, FALSE with @error (VS_ERROR_CONF,
 * VS_ERR_CONF_SYNTAX, naming the file and line) set.
 */
gboolean
qemuDriverConfigParseString(qemuDriverConfig *cfg,
                            const char *content,
                            const char *filename,
                            GError **error)
{
    qemuConfCursor cur = { .file = filename, .line = 1, .p = content };

    while (*cur.p) {
        const char *next;

        if (!qemuConfParseLine(cfg, &cur, error))
            return FALSE;
        /* A line parsed successfully has nothing left but a comment. */
        next = strchr(cur.p, '\n');
        if (!next)
            break;
        cur.p = next + 1;
        cur.line++;
    }
    return TRUE;
}


/**
 * qemuDriverConfigLoadFile:
 * @cfg: configuration to update
 * @path: qemu.conf to read; a missing file leaves the defaults
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverConfigLoadFile(qemuDriverConfig *cfg,
                         const char *path,
                         GError **error)
{
    g_autofree char *content = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &content, NULL, &err)) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            VS_DEBUG("no %s, using defaults", path);
            return TRUE;
        }
        g_set_error(error, VS_ERROR_CONF, VS_ERR_READ_FAILED,
                    _("cannot read configuration file '%s': %s"),
                    path, err->message);
        return FALSE;
    }

    if (!qemuDriverConfigParseString(cfg, content, path, error))
        return FALSE;

    VS_INFO("loaded %s: binary %s, accel %s, save format %s, channels %u",
            path, cfg->qemuBinary, qemuAccelTypeToString(cfg->accel),
            qemuSaveFormatTypeToString(cfg->saveImageFormat),
            cfg->saveParallelChannels);
    return TRUE;
}


/**
 * qemuDriverConfigMakeDirs:
 * @cfg: configuration
 * @error: return location for a #GError
 *
 * Creates every directory of @cfg that does not exist yet. Runtime and
 * log directories are private (0700): they hold monitor sockets and guest
 * output.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverConfigMakeDirs(const qemuDriverConfig *cfg,
                         GError **error)
{
    const struct {
        const char *path;
        int mode;
    } dirs[] = {
        { cfg->domainDir, 0755 },
        { cfg->autostartDir, 0755 },
        { cfg->saveDir, 0700 },
        { cfg->stateDir, 0700 },
        { cfg->logDir, 0700 },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        if (g_mkdir_with_parents(dirs[i].path, dirs[i].mode) < 0) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                            _("cannot create directory '%s'"),
                            dirs[i].path);
            return FALSE;
        }
    }
    return TRUE;
}


/**
 * qemuDriverConfigFindBinary:
 * @cfg: configuration
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the absolute path of the configured QEMU
 * binary (searched in PATH when it has no '/'), or NULL with @error set.
 */
char *
qemuDriverConfigFindBinary(const qemuDriverConfig *cfg,
                           GError **error)
{
    g_autofree char *path = NULL;

    if (strchr(cfg->qemuBinary, '/'))
        path = g_canonicalize_filename(cfg->qemuBinary, NULL);
    else
        path = g_find_program_in_path(cfg->qemuBinary);

    if (!path || !g_file_test(path, G_FILE_TEST_IS_EXECUTABLE) ||
        g_file_test(path, G_FILE_TEST_IS_DIR)) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, ENOENT,
                        _("cannot find QEMU binary '%s'"), cfg->qemuBinary);
        return NULL;
    }
    return g_steal_pointer(&path);
}


/**
 * qemuDriverConfigResolveAccel:
 * @accel: configured accelerator
 *
 * Turns QEMU_ACCEL_AUTO into KVM when /dev/kvm can be opened read-write
 * and speaks the stable KVM API, and into TCG otherwise. Other values are
 * returned unchanged: a forced "kvm" fails later, in QEMU, with its own
 * explanation.
 *
 * Returns: QEMU_ACCEL_KVM or QEMU_ACCEL_TCG.
 */
qemuAccel
qemuDriverConfigResolveAccel(qemuAccel accel)
{
    VS_AUTOCLOSE int fd = -1;
    int version;

    if (accel != QEMU_ACCEL_AUTO)
        return accel;

    if ((fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0) {
        VS_INFO("using tcg: cannot open /dev/kvm: %s", g_strerror(errno));
        return QEMU_ACCEL_TCG;
    }
    version = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version != QEMU_KVM_API_VERSION) {
        VS_INFO("using tcg: KVM API version %d", version);
        return QEMU_ACCEL_TCG;
    }
    return QEMU_ACCEL_KVM;
}


static char *
qemuDriverConfigFile(const char *dir,
                     const char *name,
                     const char *suffix)
{
    g_autofree char *base = g_strconcat(name, suffix, NULL);

    return g_build_filename(dir, base, NULL);
}


/**
 * qemuDriverConfigDomainPath:
 * @cfg: configuration
 * @name: domain name
 *
 * Returns: (transfer full) the persistent definition's path.
 */
char *
qemuDriverConfigDomainPath(const qemuDriverConfig *cfg,
                           const char *name)
{
    return qemuDriverConfigFile(cfg->domainDir, name, ".xml");
}


/**
 * qemuDriverConfigAutostartPath:
 * @cfg: configuration
 * @name: domain name
 *
 * Returns: (transfer full) the path whose existence marks autostart.
 */
char *
qemuDriverConfigAutostartPath(const qemuDriverConfig *cfg,
                              const char *name)
{
    return qemuDriverConfigFile(cfg->autostartDir, name, "");
}


/**
 * qemuDriverConfigManagedSavePath:
 * @cfg: configuration
 * @name: domain name
 *
 * Returns: (transfer full) the managed save image's path.
 */
char *
qemuDriverConfigManagedSavePath(const qemuDriverConfig *cfg,
                                const char *name)
{
    return qemuDriverConfigFile(cfg->saveDir, name, ".save");
}


/**
 * qemuDriverConfigStatusPath:
 * @cfg: configuration
 * @name: domain name
 *
 * Returns: (transfer full) the running domain's status file path.
 */
char *
qemuDriverConfigStatusPath(const qemuDriverConfig *cfg,
                           const char *name)
{
    return qemuDriverConfigFile(cfg->stateDir, name, ".xml");
}


/**
 * qemuDriverConfigMonitorPath:
 * @cfg: configuration
 * @name: domain name
 *
 * Returns: (transfer full) the QMP socket path of the domain's QEMU.
 */
char *
qemuDriverConfigMonitorPath(const qemuDriverConfig *cfg,
                            const char *name)
{
    return qemuDriverConfigFile(cfg->stateDir, name, ".monitor");
}


/**
 * qemuDriverConfigPidPath:
 * @cfg: configuration
 * @name: domain name
 *
 * Returns: (transfer full) the pid file QEMU writes (-pidfile).
 */
char *
qemuDriverConfigPidPath(const qemuDriverConfig *cfg,
                        const char *name)
{
    return qemuDriverConfigFile(cfg->stateDir, name, ".pid");
}


/**
 * qemuDriverConfigLogPath:
 * @cfg: configuration
 * @name: domain name
 *
 * Returns: (transfer full) the file QEMU's stdout and stderr append to.
 */
char *
qemuDriverConfigLogPath(const qemuDriverConfig *cfg,
                        const char *name)
{
    return qemuDriverConfigFile(cfg->logDir, name, ".log");
}
