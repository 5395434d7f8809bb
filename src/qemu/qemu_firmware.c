/*
 * qemu_firmware.c: UEFI firmware selection and per-domain NVRAM files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * <os firmware='efi'> without a <loader> is resolved when the domain is
 * defined, as libvirt does, from QEMU's firmware descriptors (JSON files
 * in /usr/share/qemu/firmware and /etc/qemu/firmware, the latter
 * overriding a file of the same name; the lowest file name wins). A
 * descriptor fits when it is a UEFI flash image for x86_64 whose machine
 * patterns match the domain's machine type, has every feature the
 * <firmware> element asks for and none it refuses, and needs no SMM the
 * domain turns off. The chosen code and variable store template are
 * written into the definition, with the features that the image has.
 *
 * The NVRAM file (<nvram>, by default LIBDIR/nvram/NAME_VARS.fd) is
 * created from its template at the first start and kept afterwards; a
 * start or restore with the reset flag copies the template again. A save
 * image holds the XML that names the file, so the variables a guest
 * wrote before a save are there after the restore.
 */

#include <config.h>

#include "qemu_firmware.h"
#include "qemu_firmwarepriv.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.firmware");

/* Descriptor directories, lowest priority first. */
static const char *const qemuFirmwareDirs[] = {
    "/usr/share/qemu/firmware",
    "/etc/qemu/firmware",
    NULL,
};

/* A firmware descriptor larger than this is not one. */
#define QEMU_FIRMWARE_JSON_MAX (64 * 1024)


static gboolean
qemuFirmwareStrvHas(json_object *array,
                    const char *value)
{
    size_t i;

    if (!array || !json_object_is_type(array, json_type_array))
        return FALSE;
    for (i = 0; i < json_object_array_length(array); i++) {
        json_object *item = json_object_array_get_idx(array, i);

        if (json_object_is_type(item, json_type_string) &&
            g_str_equal(json_object_get_string(item), value))
            return TRUE;
    }
    return FALSE;
}


static const char *
qemuFirmwareGetPath(json_object *obj,
                    const char *key)
{
    json_object *sub = NULL;
    json_object *name = NULL;

    if (!json_object_object_get_ex(obj, key, &sub) ||
        !json_object_object_get_ex(sub, "filename", &name) ||
        !json_object_is_type(name, json_type_string))
        return NULL;
    return json_object_get_string(name);
}


static gboolean
qemuFirmwareMatchesMachine(json_object *desc,
                           const char *machine)
{
    json_object *targets = NULL;
    size_t i;
    size_t j;

    if (!json_object_object_get_ex(desc, "targets", &targets) ||
        !json_object_is_type(targets, json_type_array))
        return FALSE;
    for (i = 0; i < json_object_array_length(targets); i++) {
        json_object *target = json_object_array_get_idx(targets, i);
        json_object *arch = NULL;
        json_object *machines = NULL;

        if (!json_object_object_get_ex(target, "architecture", &arch) ||
            !g_str_equal(json_object_get_string(arch), "x86_64") ||
            !json_object_object_get_ex(target, "machines", &machines) ||
            !json_object_is_type(machines, json_type_array))
            continue;
        for (j = 0; j < json_object_array_length(machines); j++) {
            const char *pattern =
                json_object_get_string(json_object_array_get_idx(machines, j));

            if (pattern && fnmatch(pattern, machine, 0) == 0)
                return TRUE;
        }
    }
    return FALSE;
}


static gboolean
qemuFirmwareWants(vsDomainTristate want,
                  gboolean has)
{
    return want == VS_DOMAIN_TRISTATE_ABSENT ||
        (want == VS_DOMAIN_TRISTATE_ON) == has;
}


/* Whether descriptor @desc can run @def. */
static gboolean
qemuFirmwareMatches(const vsDomainDef *def,
                    json_object *desc)
{
    json_object *mapping = NULL;
    json_object *device = NULL;
    json_object *interfaces = NULL;
    json_object *features = NULL;

    json_object_object_get_ex(desc, "interface-types", &interfaces);
    json_object_object_get_ex(desc, "features", &features);
    if (!qemuFirmwareStrvHas(interfaces, "uefi") ||
        !json_object_object_get_ex(desc, "mapping", &mapping) ||
        !json_object_object_get_ex(mapping, "device", &device) ||
        !g_str_equal(json_object_get_string(device), "flash") ||
        !qemuFirmwareGetPath(mapping, "executable") ||
        !qemuFirmwareGetPath(mapping, "nvram-template") ||
        !qemuFirmwareMatchesMachine(desc, def->os.machine))
        return FALSE;

    return qemuFirmwareWants(def->fw.secureBoot,
                             qemuFirmwareStrvHas(features, "secure-boot")) &&
        qemuFirmwareWants(def->fw.enrolledKeys,
                          qemuFirmwareStrvHas(features, "enrolled-keys")) &&
        !(def->smm == VS_DOMAIN_TRISTATE_OFF &&
          qemuFirmwareStrvHas(features, "requires-smm"));
}


static gint
qemuFirmwareCompareNames(gconstpointer a,
                         gconstpointer b,
                         gpointer opaque G_GNUC_UNUSED)
{
    return strcmp(a, b);
}


/* File names of the descriptors, sorted, each mapped to its path in the
 * directory of highest priority that has it. */
static GTree *
qemuFirmwareListDescriptors(const char *const *dirs)
{
    GTree *files = g_tree_new_full(qemuFirmwareCompareNames, NULL,
                                   g_free, g_free);
    size_t i;

    for (i = 0; dirs[i]; i++) {
        g_autoptr(GDir) dir = g_dir_open(dirs[i], 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
            if (!g_str_has_suffix(name, ".json"))
                continue;
            g_tree_replace(files, g_strdup(name),
                           g_build_filename(dirs[i], name, NULL));
        }
    }
    return files;
}


typedef struct {
    const vsDomainDef *def;
    json_object *found;
} qemuFirmwareSearch;


static gboolean
qemuFirmwareTryDescriptor(gpointer key G_GNUC_UNUSED,
                          gpointer value,
                          gpointer opaque)
{
    qemuFirmwareSearch *search = opaque;
    g_autofree char *text = NULL;
    gsize len = 0;
    json_object *desc;

    if (!g_file_get_contents(value, &text, &len, NULL) ||
        len > QEMU_FIRMWARE_JSON_MAX ||
        !(desc = json_tokener_parse(text)))
        return FALSE;
    if (qemuFirmwareMatches(search->def, desc)) {
        VS_DEBUG("domain '%s': firmware descriptor '%s' fits",
                 search->def->name, (const char *) value);
        search->found = desc;
        return TRUE;
    }
    json_object_put(desc);
    return FALSE;
}


static void
qemuFirmwareApply(vsDomainDef *def,
                  json_object *desc)
{
    json_object *mapping = NULL;
    json_object *features = NULL;
    gboolean smm;

    json_object_object_get_ex(desc, "mapping", &mapping);
    json_object_object_get_ex(desc, "features", &features);
    smm = qemuFirmwareStrvHas(features, "requires-smm");

    def->fw.loader = g_strdup(qemuFirmwareGetPath(mapping, "executable"));
    def->fw.loaderReadonly = VS_DOMAIN_TRISTATE_ON;
    def->fw.loaderType = VS_DOMAIN_LOADER_TYPE_PFLASH;
    def->fw.loaderSecure = smm ? VS_DOMAIN_TRISTATE_ON :
        VS_DOMAIN_TRISTATE_OFF;
    if (!def->fw.nvramTemplate)
        def->fw.nvramTemplate =
            g_strdup(qemuFirmwareGetPath(mapping, "nvram-template"));
    def->fw.secureBoot = qemuFirmwareStrvHas(features, "secure-boot") ?
        VS_DOMAIN_TRISTATE_ON : VS_DOMAIN_TRISTATE_OFF;
    def->fw.enrolledKeys = qemuFirmwareStrvHas(features, "enrolled-keys") ?
        VS_DOMAIN_TRISTATE_ON : VS_DOMAIN_TRISTATE_OFF;
    if (smm)
        def->smm = VS_DOMAIN_TRISTATE_ON;
}


/**
 * qemuFirmwareFillDefFromDirs:
 * @cfg: the driver's configuration
 * @def: a definition whose machine type is pinned
 * @dirs: NULL-terminated descriptor directories, lowest priority first
 * @error: return location for a #GError
 *
 * qemuFirmwareFillDef() with other descriptor directories (tests).
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuFirmwareFillDefFromDirs(const qemuDriverConfig *cfg,
                            vsDomainDef *def,
                            const char *const *dirs,
                            GError **error)
{
    if (def->fw.firmware == VS_DOMAIN_OS_FIRMWARE_EFI && !def->fw.loader) {
        g_autoptr(GTree) files = qemuFirmwareListDescriptors(dirs);
        qemuFirmwareSearch search = { .def = def };

        g_tree_foreach(files, qemuFirmwareTryDescriptor, &search);
        if (!search.found) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("Unable to find 'efi' firmware that is compatible with the current configuration of domain '%s' (machine '%s')"),
                        def->name, def->os.machine);
            return FALSE;
        }
        qemuFirmwareApply(def, search.found);
        json_object_put(search.found);
    }

    if (def->fw.loader && def->fw.loaderType == VS_DOMAIN_LOADER_TYPE_PFLASH &&
        def->fw.loaderReadonly == VS_DOMAIN_TRISTATE_ON && !def->fw.nvram) {
        g_autofree char *file = g_strdup_printf("%s_VARS.fd", def->name);

        def->fw.nvram = g_build_filename(cfg->libDir, "nvram", file, NULL);
    }
    return TRUE;
}


/**
 * qemuFirmwareFillDef:
 * @cfg: the driver's configuration
 * @def: a definition whose machine type is pinned
 * @error: return location for a #GError
 *
 * Resolves <os firmware='efi'> to a loader and NVRAM template from the
 * firmware descriptors, and gives a pflash loader without <nvram> its
 * default NVRAM path.
 *
 * Returns: TRUE on success, FALSE with @error set when no descriptor
 * fits.
 */
gboolean
qemuFirmwareFillDef(const qemuDriverConfig *cfg,
                    vsDomainDef *def,
                    GError **error)
{
    return qemuFirmwareFillDefFromDirs(cfg, def, qemuFirmwareDirs, error);
}


/* Copies @template to @path through a temporary file and a rename, so
 * that a failure never leaves a partial variable store behind. */
static gboolean
qemuFirmwareCopyTemplate(const char *template,
                         const char *path,
                         GError **error)
{
    g_autofree char *data = NULL;
    g_autofree char *tmp = g_strdup_printf("%s.new", path);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GError) local = NULL;
    VS_AUTOCLOSE int fd = -1;
    gsize len = 0;

    if (!g_file_get_contents(template, &data, &len, &local)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("cannot read the NVRAM template '%s' of element '/domain/os/nvram': %s"),
                    template, local->message);
        return FALSE;
    }
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot create the NVRAM directory '%s'"), dir);
        return FALSE;
    }
    fd = vsFileOpen(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600, error);
    if (fd < 0)
        return FALSE;
    if (!vsFileWriteFull(fd, data, len, error) || !vsFileSync(fd, error)) {
        unlink(tmp);
        return FALSE;
    }
    if (rename(tmp, path) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot create the NVRAM file '%s'"), path);
        unlink(tmp);
        return FALSE;
    }
    VS_INFO("NVRAM '%s' created from '%s' (%zu bytes)", path, template,
            (size_t) len);
    return TRUE;
}


/**
 * qemuFirmwarePrepare:
 * @def: the definition about to run
 * @resetNVRAM: copy the template over an existing NVRAM file
 * @error: return location for a #GError
 *
 * Checks that the loader exists and creates the NVRAM file from its
 * template when it is missing (or @resetNVRAM). Nothing is started yet,
 * so a failure leaves nothing behind.
 *
 * Returns: TRUE on success, FALSE with @error set naming the element.
 */
gboolean
qemuFirmwarePrepare(const vsDomainDef *def,
                    gboolean resetNVRAM,
                    GError **error)
{
    const vsDomainFirmwareDef *fw = &def->fw;

    if (fw->loader && !g_file_test(fw->loader, G_FILE_TEST_IS_REGULAR)) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED, ENOENT,
                        _("firmware file '%s' of element '/domain/os/loader' cannot be used"),
                        fw->loader);
        return FALSE;
    }
    if (!fw->nvram)
        return TRUE;
    if (!resetNVRAM && g_file_test(fw->nvram, G_FILE_TEST_EXISTS))
        return TRUE;
    if (!fw->nvramTemplate) {
        if (resetNVRAM) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                        _("cannot reset the NVRAM of domain '%s': its <nvram> has no template"),
                        def->name);
            return FALSE;
        }
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("NVRAM file '%s' of element '/domain/os/nvram' does not exist and has no template"),
                    fw->nvram);
        return FALSE;
    }
    return qemuFirmwareCopyTemplate(fw->nvramTemplate, fw->nvram, error);
}
