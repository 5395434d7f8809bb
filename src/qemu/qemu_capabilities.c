/*
 * qemu_capabilities.c: what a QEMU binary can do, probed once and cached
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_capabilities.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_hostcpu.h"
#include "qemu_monitor.h"
#include "qemu_monitor_json.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"
#include "vsspawn.h"

VS_LOG_INIT("qemu.capabilities");

/* A probe QEMU starts in well under a second; allow for a loaded host. */
#define QEMU_CAPS_CONNECT_TIMEOUT_MS 30000
#define QEMU_CAPS_EXIT_TIMEOUT_MS 5000


/**
 * qemuCapsRef:
 * @caps: capabilities
 *
 * Returns: (transfer full) @caps with one more reference.
 */
qemuCaps *
qemuCapsRef(qemuCaps *caps)
{
    g_atomic_int_inc(&caps->refs);
    return caps;
}


/**
 * qemuCapsUnref:
 * @caps: (nullable): capabilities
 */
void
qemuCapsUnref(qemuCaps *caps)
{
    if (!caps || !g_atomic_int_dec_and_test(&caps->refs))
        return;
    g_free(caps->binary);
    g_clear_pointer(&caps->machineAliases, g_hash_table_unref);
    g_clear_pointer(&caps->machines, g_ptr_array_unref);
    g_clear_pointer(&caps->cpuModels, g_ptr_array_unref);
    g_clear_pointer(&caps->cpuFeatures, g_hash_table_unref);
    g_clear_pointer(&caps->deviceTypes, g_hash_table_unref);
    g_free(caps);
}


/**
 * qemuCapsGetCanonicalMachine:
 * @caps: capabilities
 * @machine: a machine type as a domain definition names it
 *
 * Aliases such as "pc" and "q35" follow QEMU releases; the versioned
 * type they stand for today keeps the guest's hardware (and so the
 * device state in a save image) the same across QEMU upgrades, which is
 * why a definition records the versioned name.
 *
 * Returns: (transfer none) the versioned machine type, or @machine.
 */
const char *
qemuCapsGetCanonicalMachine(const qemuCaps *caps,
                            const char *machine)
{
    const char *canonical = NULL;

    if (machine && caps->machineAliases)
        canonical = g_hash_table_lookup(caps->machineAliases, machine);
    return canonical ? canonical : machine;
}


/**
 * qemuCapsParseMachines:
 * @reply: the "return" value of query-machines
 * @aliases: (transfer none) table to fill: alias -> machine name
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set if @reply is not a list of machines.
 */
gboolean
qemuCapsParseMachines(json_object *reply,
                      GHashTable *aliases,
                      GError **error)
{
    size_t i;

    if (!json_object_is_type(reply, json_type_array)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("query-machines did not return a list"));
        return FALSE;
    }

    for (i = 0; i < json_object_array_length(reply); i++) {
        json_object *m = json_object_array_get_idx(reply, i);
        json_object *name = NULL;
        json_object *alias = NULL;

        if (!json_object_object_get_ex(m, "name", &name) ||
            !json_object_is_type(name, json_type_string)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("query-machines returned a machine without a name"));
            return FALSE;
        }
        if (json_object_object_get_ex(m, "alias", &alias) &&
            json_object_is_type(alias, json_type_string)) {
            g_hash_table_insert(aliases,
                                g_strdup(json_object_get_string(alias)),
                                g_strdup(json_object_get_string(name)));
        }
    }

    return TRUE;
}


/**
 * qemuCapsGetVersion:
 * @caps: capabilities
 *
 * Returns: the version in libvirt's single-number form.
 */
unsigned long long
qemuCapsGetVersion(const qemuCaps *caps)
{
    return caps->major * 1000000ULL + caps->minor * 1000ULL + caps->micro;
}


static gboolean
qemuCapsGetMtime(const char *binary,
                 gint64 *mtime,
                 GError **error)
{
    struct stat sb;

    if (stat(binary, &sb) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot find QEMU binary '%s'"), binary);
        return FALSE;
    }
    *mtime = (gint64) sb.st_mtim.tv_sec * G_USEC_PER_SEC +
             sb.st_mtim.tv_nsec / 1000;
    return TRUE;
}


static void
qemuCapsMachineFree(qemuCapsMachine *machine)
{
    if (!machine)
        return;
    g_free(machine->name);
    g_free(machine->alias);
    g_free(machine);
}


static void
qemuCapsCPUModelFree(qemuCapsCPUModel *model)
{
    if (!model)
        return;
    g_free(model->name);
    g_free(model->aliasOf);
    g_free(model->vendor);
    g_clear_pointer(&model->features, g_ptr_array_unref);
    g_free(model);
}


static gboolean
qemuCapsJSONBool(json_object *obj,
                 const char *key)
{
    json_object *value = NULL;

    return json_object_object_get_ex(obj, key, &value) &&
           json_object_get_boolean(value);
}


static const char *
qemuCapsJSONString(json_object *obj,
                   const char *key)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(obj, key, &value) ||
        !json_object_is_type(value, json_type_string))
        return NULL;
    return json_object_get_string(value);
}


static gboolean
qemuCapsCheckList(json_object *reply,
                  const char *command,
                  GError **error)
{
    if (json_object_is_type(reply, json_type_array))
        return TRUE;
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                _("%s did not return a list"), command);
    return FALSE;
}


/**
 * qemuCapsParseMachineList:
 * @caps: capabilities to fill
 * @reply: the "return" value of query-machines
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set if @reply is not a list of machines.
 */
gboolean
qemuCapsParseMachineList(qemuCaps *caps,
                         json_object *reply,
                         GError **error)
{
    size_t i;

    if (!qemuCapsCheckList(reply, "query-machines", error))
        return FALSE;
    if (!caps->machines)
        caps->machines = g_ptr_array_new_with_free_func(
            (GDestroyNotify) qemuCapsMachineFree);

    for (i = 0; i < json_object_array_length(reply); i++) {
        json_object *m = json_object_array_get_idx(reply, i);
        json_object *cpus = NULL;
        qemuCapsMachine *machine;
        const char *name = qemuCapsJSONString(m, "name");

        if (!name)
            continue;
        machine = g_new0(qemuCapsMachine, 1);
        machine->name = g_strdup(name);
        machine->alias = g_strdup(qemuCapsJSONString(m, "alias"));
        if (json_object_object_get_ex(m, "cpu-max", &cpus))
            machine->maxCpus = MAX(json_object_get_int(cpus), 1);
        machine->isDefault = qemuCapsJSONBool(m, "is-default");
        machine->deprecated = qemuCapsJSONBool(m, "deprecated");
        g_ptr_array_add(caps->machines, machine);
    }
    return TRUE;
}


/**
 * qemuCapsParseCPUModels:
 * @caps: capabilities to fill
 * @reply: the "return" value of query-cpu-definitions
 * @error: return location for a #GError
 *
 * A model is usable when QEMU lists no "unavailable-features" for it
 * under the probe's accelerator.
 *
 * Returns: FALSE with @error set if @reply is not a list.
 */
gboolean
qemuCapsParseCPUModels(qemuCaps *caps,
                       json_object *reply,
                       GError **error)
{
    size_t i;

    if (!qemuCapsCheckList(reply, "query-cpu-definitions", error))
        return FALSE;
    if (!caps->cpuModels)
        caps->cpuModels = g_ptr_array_new_with_free_func(
            (GDestroyNotify) qemuCapsCPUModelFree);

    for (i = 0; i < json_object_array_length(reply); i++) {
        json_object *m = json_object_array_get_idx(reply, i);
        json_object *missing = NULL;
        qemuCapsCPUModel *model;
        const char *name = qemuCapsJSONString(m, "name");

        if (!name)
            continue;
        model = g_new0(qemuCapsCPUModel, 1);
        model->name = g_strdup(name);
        model->usable = !json_object_object_get_ex(m, "unavailable-features",
                                                   &missing) ||
                        json_object_array_length(missing) == 0;
        model->deprecated = qemuCapsJSONBool(m, "deprecated");
        model->aliasOf = g_strdup(qemuCapsJSONString(m, "alias-of"));
        g_ptr_array_add(caps->cpuModels, model);
    }
    return TRUE;
}


/**
 * qemuCapsParseCPUExpansion:
 * @caps: capabilities to fill
 * @model: the model that was expanded
 * @reply: the "return" value of a full query-cpu-model-expansion
 * @error: return location for a #GError
 *
 * A full expansion lists every property of the model, true or false;
 * QEMU's aliases of one feature fold into one canonical name.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuCapsParseCPUExpansion(qemuCaps *caps,
                          qemuCapsCPUModel *model,
                          json_object *reply,
                          GError **error)
{
    g_autoptr(GHashTable) on = g_hash_table_new(g_str_hash, g_str_equal);
    json_object *m = NULL;
    json_object *props = NULL;
    GHashTableIter iter;
    gpointer key;

    if (!json_object_object_get_ex(reply, "model", &m) ||
        !json_object_object_get_ex(m, "props", &props) ||
        !json_object_is_type(props, json_type_object)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("QEMU's expansion of CPU model '%s' has no properties"),
                    model->name);
        return FALSE;
    }
    if (!caps->cpuFeatures)
        caps->cpuFeatures = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                  g_free, NULL);
    g_free(model->vendor);
    model->vendor = g_strdup(qemuCapsJSONString(props, "vendor"));
    json_object_object_foreach(props, name, value) {
        g_autofree char *canon = NULL;
        gpointer stored = NULL;

        if (!json_object_is_type(value, json_type_boolean))
            continue;
        canon = qemuHostCPUCanonical(name);
        if (!qemuHostCPUIsFeature(canon))
            continue;
        if (!g_hash_table_lookup_extended(caps->cpuFeatures, canon, &stored,
                                          NULL)) {
            stored = g_steal_pointer(&canon);
            g_hash_table_add(caps->cpuFeatures, stored);
        }
        if (json_object_get_boolean(value))
            g_hash_table_add(on, stored);
    }
    g_clear_pointer(&model->features, g_ptr_array_unref);
    model->features = g_ptr_array_new_with_free_func(g_free);
    g_hash_table_iter_init(&iter, on);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_ptr_array_add(model->features, g_strdup(key));
    return TRUE;
}


/**
 * qemuCapsParseDeviceTypes:
 * @caps: capabilities to fill
 * @reply: the "return" value of qom-list-types
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set if @reply is not a list.
 */
gboolean
qemuCapsParseDeviceTypes(qemuCaps *caps,
                         json_object *reply,
                         GError **error)
{
    size_t i;

    if (!qemuCapsCheckList(reply, "qom-list-types", error))
        return FALSE;
    if (!caps->deviceTypes)
        caps->deviceTypes = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                  g_free, NULL);
    for (i = 0; i < json_object_array_length(reply); i++) {
        const char *name = qemuCapsJSONString(
            json_object_array_get_idx(reply, i), "name");

        if (name)
            g_hash_table_add(caps->deviceTypes, g_strdup(name));
    }
    return TRUE;
}


/**
 * qemuCapsHasType:
 * @caps: capabilities
 * @name: a QOM type name ("virtio-vga", "memory-backend-file")
 *
 * Returns: TRUE when the binary has that type.
 */
gboolean
qemuCapsHasType(const qemuCaps *caps,
                const char *name)
{
    return caps->deviceTypes && g_hash_table_contains(caps->deviceTypes, name);
}


/**
 * qemuCapsFindMachine:
 * @caps: capabilities
 * @name: a machine type or one of its aliases
 *
 * Returns: (transfer none) the machine, or NULL when QEMU has none of
 * that name.
 */
const qemuCapsMachine *
qemuCapsFindMachine(const qemuCaps *caps,
                    const char *name)
{
    const char *canonical = qemuCapsGetCanonicalMachine(caps, name);
    size_t i;

    for (i = 0; caps->machines && i < caps->machines->len; i++) {
        const qemuCapsMachine *m = g_ptr_array_index(caps->machines, i);

        if (g_strcmp0(m->name, canonical) == 0)
            return m;
    }
    return NULL;
}


/**
 * qemuCapsGetDefaultMachine:
 * @caps: capabilities
 *
 * Returns: (transfer none) the machine QEMU uses when none is named, or
 * NULL when it has no default.
 */
const qemuCapsMachine *
qemuCapsGetDefaultMachine(const qemuCaps *caps)
{
    size_t i;

    for (i = 0; caps->machines && i < caps->machines->len; i++) {
        const qemuCapsMachine *m = g_ptr_array_index(caps->machines, i);

        if (m->isDefault)
            return m;
    }
    return NULL;
}


/* The features of each named CPU model, for the host CPU's description
 * (qemu_hostcpu.c). Aliases share their versioned model's expansion;
 * "host" and "max" depend on the accelerator, "base" has nothing. */
static gboolean
qemuCapsQueryCPUExpansions(qemuCaps *caps,
                           qemuMonitor *mon,
                           GError **error)
{
    size_t i;

    for (i = 0; i < caps->cpuModels->len; i++) {
        qemuCapsCPUModel *model = g_ptr_array_index(caps->cpuModels, i);
        json_object *args = NULL;
        json_object *spec = NULL;
        json_object *reply = NULL;
        gboolean ok;

        if (model->aliasOf || g_str_equal(model->name, "host") ||
            g_str_equal(model->name, "max") || g_str_equal(model->name, "base"))
            continue;
        spec = json_object_new_object();
        json_object_object_add(spec, "name", json_object_new_string(model->name));
        args = json_object_new_object();
        json_object_object_add(args, "type", json_object_new_string("full"));
        json_object_object_add(args, "model", spec);
        if (!qemuMonitorCommand(mon, "query-cpu-model-expansion", args, NULL,
                                0, &reply, error))
            return FALSE;
        ok = qemuCapsParseCPUExpansion(caps, model, reply, error);
        json_object_put(reply);
        if (!ok)
            return FALSE;
    }
    return TRUE;
}


/* CPU models and QOM types: what domain capabilities report. */
static gboolean
qemuCapsQueryModels(qemuCaps *caps,
                    qemuMonitor *mon,
                    GError **error)
{
    json_object *reply = NULL;
    json_object *args = NULL;
    gboolean ok;

    if (!qemuMonitorCommand(mon, "query-cpu-definitions", NULL, NULL, 0,
                            &reply, error))
        return FALSE;
    ok = qemuCapsParseCPUModels(caps, reply, error);
    json_object_put(reply);
    if (!ok || !qemuCapsQueryCPUExpansions(caps, mon, error))
        return FALSE;

    args = json_object_new_object();
    json_object_object_add(args, "abstract", json_object_new_boolean(0));
    reply = NULL;
    if (!qemuMonitorCommand(mon, "qom-list-types", args, NULL, 0, &reply,
                            error))
        return FALSE;
    ok = qemuCapsParseDeviceTypes(caps, reply, error);
    json_object_put(reply);
    return ok;
}


/* Ask the probe QEMU behind @mon what it supports. */
static gboolean
qemuCapsQuery(qemuCaps *caps,
              qemuMonitor *mon,
              GError **error)
{
    g_autoptr(GArray) migcaps = NULL;
    qemuMonitorMigrationParams params = { 0 };
    json_object *kvm = NULL;
    json_object *enabled = NULL;
    json_object *machines = NULL;
    gboolean ok;

    qemuMonitorGetVersion(mon, &caps->major, &caps->minor, &caps->micro);

    if (!(migcaps = qemuMonitorQueryMigrationCapabilities(mon, error)))
        return FALSE;
    caps->multifd = qemuMonitorMigrationCapsGet(migcaps, "multifd") >= 0;
    caps->mappedRam = qemuMonitorMigrationCapsGet(migcaps, "mapped-ram") >= 0;

    if (!qemuMonitorQueryMigrationParams(mon, &params, error))
        return FALSE;
    caps->directIO = params.hasDirectIO;

    if (!qemuMonitorCommand(mon, "query-kvm", NULL, NULL, 0, &kvm, error))
        return FALSE;
    ok = json_object_object_get_ex(kvm, "enabled", &enabled);
    caps->kvm = ok && json_object_get_boolean(enabled);
    json_object_put(kvm);

    if (!qemuMonitorCommand(mon, "query-machines", NULL, NULL, 0,
                            &machines, error))
        return FALSE;
    caps->machineAliases = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                 g_free, g_free);
    ok = qemuCapsParseMachines(machines, caps->machineAliases, error) &&
         qemuCapsParseMachineList(caps, machines, error);
    json_object_put(machines);
    return ok && qemuCapsQueryModels(caps, mon, error);
}


/* The probe QEMU's output, for an error message. */
static char *
qemuCapsReadLog(const char *path)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return g_strdup("");
    return g_strdup(g_strstrip(text));
}


static qemuCaps *
qemuCapsRunProbe(const char *binary,
                 const char *sockpath,
                 int logfd,
                 GError **error)
{
    const char *argv[] = { binary, NULL };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);
    g_autoptr(qemuCaps) caps = g_new0(qemuCaps, 1);
    g_autoptr(qemuMonitor) mon = NULL;
    VS_AUTOCLOSE int pidfd = -1;
    gboolean ok;
    pid_t pid;

    caps->refs = 1;
    caps->binary = g_strdup(binary);

    vsSpawnAddArg(cmd, "-S");
    vsSpawnAddArg(cmd, "-no-user-config");
    vsSpawnAddArg(cmd, "-nodefaults");
    vsSpawnAddArg(cmd, "-machine");
    /* kvm when the host has it, so that query-kvm answers for this host. */
    vsSpawnAddArg(cmd, "none,accel=kvm:tcg");
    vsSpawnAddArg(cmd, "-display");
    vsSpawnAddArg(cmd, "none");
    vsSpawnAddArg(cmd, "-qmp");
    vsSpawnAddArgFormat(cmd, "unix:%s,server=on,wait=off", sockpath);
    vsSpawnSetStdout(cmd, logfd);
    vsSpawnSetStderr(cmd, logfd);

    if ((pid = vsSpawnRun(cmd, &pidfd, error)) < 0)
        return NULL;

    mon = qemuMonitorOpenPath(sockpath, pidfd, QEMU_CAPS_CONNECT_TIMEOUT_MS,
                              NULL, NULL, 0, error);
    ok = mon && qemuCapsQuery(caps, mon, error);

    if (mon && !qemuMonitorQuit(mon, NULL))
        VS_DEBUG("quit of probe QEMU %lld failed", (long long) pid);
    g_clear_pointer(&mon, qemuMonitorClose);

    if (!vsSpawnWait(pid, pidfd, QEMU_CAPS_EXIT_TIMEOUT_MS, NULL, NULL)) {
        kill(pid, SIGKILL);
        if (!vsSpawnWait(pid, pidfd, -1, NULL, NULL))
            VS_WARN("cannot reap probe QEMU %lld", (long long) pid);
    }

    if (!ok)
        return NULL;
    return g_steal_pointer(&caps);
}


/**
 * qemuCapsProbe:
 * @binary: absolute path of a QEMU system emulator
 * @tmpdir: an existing private directory for the probe's socket and log
 * @error: return location for a #GError
 *
 * Starts @binary without a guest and asks it for its version, migration
 * capabilities and parameters, and KVM support; see the top of
 * qemu_capabilities.h.
 *
 * Returns: (transfer full) the capabilities, or NULL with @error set
 * (quoting QEMU's own output when it failed to start).
 */
qemuCaps *
qemuCapsProbe(const char *binary,
              const char *tmpdir,
              GError **error)
{
    static gint counter;
    g_autofree char *base = g_strdup_printf("probe-%lld-%d",
                                            (long long) getpid(),
                                            g_atomic_int_add(&counter, 1));
    g_autofree char *sockpath = g_strdup_printf("%s/%s.qmp", tmpdir, base);
    g_autofree char *logpath = g_strdup_printf("%s/%s.log", tmpdir, base);
    g_autoptr(GError) err = NULL;
    g_autoptr(qemuCaps) caps = NULL;
    VS_AUTOCLOSE int logfd = -1;
    gint64 mtime;
    gint64 start = g_get_monotonic_time();

    if (!qemuCapsGetMtime(binary, &mtime, error))
        return NULL;

    if ((logfd = vsFileOpen(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                            0600, error)) < 0)
        return NULL;

    caps = qemuCapsRunProbe(binary, sockpath, logfd, &err);
    unlink(sockpath);

    if (!caps) {
        g_autofree char *log = qemuCapsReadLog(logpath);

        unlink(logpath);
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("cannot probe QEMU binary '%s': %s%s%s"),
                    binary, err->message, *log ? ": " : "", log);
        return NULL;
    }
    unlink(logpath);

    caps->mtime = mtime;
    VS_INFO("%s: QEMU %u.%u.%u, mapped-ram %d, multifd %d, direct-io %d, "
            "kvm %d (probed in %lld ms)", binary, caps->major, caps->minor,
            caps->micro, caps->mappedRam, caps->multifd, caps->directIO,
            caps->kvm, (long long) (g_get_monotonic_time() - start) / 1000);
    return g_steal_pointer(&caps);
}


struct _qemuCapsCache {
    GMutex lock;            /* held across a probe: callers share it */
    char *tmpdir;
    GHashTable *entries;    /* binary path -> qemuCaps (a reference) */
};


/**
 * qemuCapsCacheNew:
 * @tmpdir: a private directory for probe sockets (created if missing)
 *
 * Returns: (transfer full) an empty cache.
 */
qemuCapsCache *
qemuCapsCacheNew(const char *tmpdir)
{
    qemuCapsCache *cache = g_new0(qemuCapsCache, 1);

    g_mutex_init(&cache->lock);
    cache->tmpdir = g_strdup(tmpdir);
    cache->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) qemuCapsUnref);
    return cache;
}


/**
 * qemuCapsCacheFree:
 * @cache: (nullable): a cache
 */
void
qemuCapsCacheFree(qemuCapsCache *cache)
{
    if (!cache)
        return;
    g_hash_table_destroy(cache->entries);
    g_free(cache->tmpdir);
    g_mutex_clear(&cache->lock);
    g_free(cache);
}


/**
 * qemuCapsCacheLookup:
 * @cache: the cache
 * @binary: absolute path of a QEMU binary
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a reference to @binary's capabilities, probed
 * now if they were unknown or the binary changed, or NULL with @error
 * set.
 */
qemuCaps *
qemuCapsCacheLookup(qemuCapsCache *cache,
                    const char *binary,
                    GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cache->lock);
    qemuCaps *caps;
    gint64 mtime;

    if (!qemuCapsGetMtime(binary, &mtime, error))
        return NULL;

    caps = g_hash_table_lookup(cache->entries, binary);
    if (caps && caps->mtime == mtime)
        return qemuCapsRef(caps);
    if (caps)
        VS_INFO("%s changed on disk, probing it again", binary);

    if (g_mkdir_with_parents(cache->tmpdir, 0700) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot create directory '%s'"), cache->tmpdir);
        return NULL;
    }
    if (!(caps = qemuCapsProbe(binary, cache->tmpdir, error)))
        return NULL;

    g_hash_table_replace(cache->entries, g_strdup(binary), caps);
    return qemuCapsRef(caps);
}
