/*
 * qemu_hostcpu.c: the host CPU as capabilities describe it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The host's vendor, signature, microcode and CPUID flags come from
 * /proc/cpuinfo. Feature names are compared in one canonical spelling,
 * since the kernel, QEMU and libvirt spell some of them differently
 * ("sse4_1", "sse4.1"; "pclmulqdq", "pclmuldq"). The model reported is
 * the QEMU CPU model of the host's vendor that differs from the host in
 * the fewest features (features the host has and the model lacks, plus
 * features the model has and the host lacks), comparing only CPUID
 * features QEMU knows; the host's remaining features are listed beside
 * it. docs/protocol.md says what is reported.
 */

#include <config.h>

#include "qemu_hostcpu.h"

#include <string.h>

#include "vsinternal.h"

/* QEMU's aliases of one feature, after '_' and '.' became '-'. */
static const struct { const char *alias; const char *name; } qemuHostCPUAliases[] = {
    { "sse3", "pni" },
    { "pclmuldq", "pclmulqdq" },
    { "xd", "nx" },
    { "ffxsr", "fxsr-opt" },
    { "i64", "lm" },
    /* the kernel's names */
    { "tsc-deadline-timer", "tsc-deadline" },
    { "cr8-legacy", "cr8legacy" },
    { "avx512-vbmi2", "avx512vbmi2" },
    { "avx512-vnni", "avx512vnni" },
    { "avx512-bitalg", "avx512bitalg" },
    { "pausefilter", "pause-filter" },
};

/* libvirt's names where they differ from the canonical one. */
static const struct { const char *name; const char *libvirt; } qemuHostCPULibvirtNames[] = {
    { "pclmulqdq", "pclmuldq" },
    { "sse4-1", "sse4.1" },
    { "sse4-2", "sse4.2" },
    { "lahf-lm", "lahf_lm" },
    { "cmp-legacy", "cmp_legacy" },
    { "fxsr-opt", "fxsr_opt" },
    { "tsc-adjust", "tsc_adjust" },
    { "perfctr-core", "perfctr_core" },
    { "perfctr-nb", "perfctr_nb" },
    { "nodeid-msr", "nodeid_msr" },
    { "ds-cpl", "ds_cpl" },
};

/* Boolean CPU properties that are QEMU or accelerator settings. */
static const char *const qemuHostCPUSettings[] = {
    "kvm", "hv-", "x-", "vmx-", "host-", "full-cpuid", "legacy-cache",
    "l3-cache", "lmce", "pmu", "check", "enforce", "migratable",
    "fill-mtrr-mask", "tcg-cpuid", "vmware-cpuid-freq", "cpuid-0xb",
    "realized", "hotplugged", "hotpluggable", "start-powered-off",
    "expose-", "xen-",
};


/**
 * qemuHostCPUFree:
 * @cpu: the host CPU, or NULL
 */
void
qemuHostCPUFree(qemuHostCPU *cpu)
{
    if (!cpu)
        return;
    g_free(cpu->vendorId);
    g_clear_pointer(&cpu->features, g_ptr_array_unref);
    g_free(cpu);
}


/**
 * qemuHostCPUCanonical:
 * @name: a feature name as QEMU, the kernel or libvirt spells it
 *
 * Returns: (transfer full) its canonical spelling.
 */
char *
qemuHostCPUCanonical(const char *name)
{
    char *canon = g_ascii_strdown(name, -1);
    size_t i;

    g_strdelimit(canon, "_.", '-');
    for (i = 0; i < G_N_ELEMENTS(qemuHostCPUAliases); i++) {
        if (g_str_equal(canon, qemuHostCPUAliases[i].alias)) {
            g_free(canon);
            return g_strdup(qemuHostCPUAliases[i].name);
        }
    }
    return canon;
}


/**
 * qemuHostCPUIsFeature:
 * @name: the canonical name of a boolean CPU property
 *
 * Returns: FALSE for QEMU's and the accelerators' own settings.
 */
gboolean
qemuHostCPUIsFeature(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(qemuHostCPUSettings); i++) {
        if (g_str_has_prefix(name, qemuHostCPUSettings[i]))
            return FALSE;
    }
    return TRUE;
}


/**
 * qemuHostCPUFeatureName:
 * @name: a canonical feature name
 *
 * Returns: (transfer none) libvirt's name of it.
 */
const char *
qemuHostCPUFeatureName(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(qemuHostCPULibvirtNames); i++) {
        if (g_str_equal(name, qemuHostCPULibvirtNames[i].name))
            return qemuHostCPULibvirtNames[i].libvirt;
    }
    return name;
}


/* The value of "@key : value" in the first processor block. */
static char *
qemuHostCPUValue(const char *cpuinfo,
                 const char *key)
{
    g_auto(GStrv) lines = g_strsplit(cpuinfo, "\n", 0);
    size_t i;

    for (i = 0; lines[i] && *lines[i]; i++) {
        const char *colon = strchr(lines[i], ':');
        g_autofree char *k = NULL;

        if (!colon)
            continue;
        k = g_strstrip(g_strndup(lines[i], colon - lines[i]));
        if (g_str_equal(k, key))
            return g_strstrip(g_strdup(colon + 1));
    }
    return NULL;
}


static unsigned int
qemuHostCPUUInt(const char *cpuinfo,
                const char *key)
{
    g_autofree char *v = qemuHostCPUValue(cpuinfo, key);
    guint64 n = 0;

    if (!v || !g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT, &n, NULL))
        return 0;
    return n;
}


static void
qemuHostCPUParseFlags(qemuHostCPU *cpu,
                      const char *flags,
                      GHashTable *known)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    g_auto(GStrv) words = g_strsplit_set(flags ? flags : "", " \t", 0);
    size_t i;

    for (i = 0; words[i]; i++) {
        char *canon;

        if (!*words[i])
            continue;
        canon = qemuHostCPUCanonical(words[i]);
        if ((known && !g_hash_table_contains(known, canon)) ||
            g_hash_table_contains(seen, canon)) {
            g_free(canon);
            continue;
        }
        g_hash_table_add(seen, canon);
        g_ptr_array_add(cpu->features, canon);
    }
}


/**
 * qemuHostCPUParse:
 * @cpuinfo: the text of /proc/cpuinfo
 * @known: (nullable) canonical names of the CPUID features QEMU knows
 *
 * Returns: (transfer full) the host CPU; fields the kernel does not
 * report stay 0.
 */
qemuHostCPU *
qemuHostCPUParse(const char *cpuinfo,
                 GHashTable *known)
{
    qemuHostCPU *cpu = g_new0(qemuHostCPU, 1);
    g_autofree char *flags = qemuHostCPUValue(cpuinfo, "flags");
    g_autofree char *microcode = qemuHostCPUValue(cpuinfo, "microcode");
    g_autofree char *sizes = qemuHostCPUValue(cpuinfo, "address sizes");
    guint64 n = 0;

    cpu->vendorId = qemuHostCPUValue(cpuinfo, "vendor_id");
    cpu->family = qemuHostCPUUInt(cpuinfo, "cpu family");
    cpu->model = qemuHostCPUUInt(cpuinfo, "model");
    cpu->stepping = qemuHostCPUUInt(cpuinfo, "stepping");
    if (microcode &&
        g_ascii_string_to_unsigned(g_str_has_prefix(microcode, "0x") ?
                                   microcode + 2 : microcode,
                                   16, 0, G_MAXUINT64, &n, NULL)) {
        cpu->hasMicrocode = TRUE;
        cpu->microcode = n;
    }
    /* "48 bits physical, 48 bits virtual" */
    if (sizes)
        cpu->physBits = g_ascii_strtoull(sizes, NULL, 10);
    cpu->features = g_ptr_array_new_with_free_func(g_free);
    qemuHostCPUParseFlags(cpu, flags, known);
    return cpu;
}


/* Features the host has and @model lacks plus the reverse. */
static guint
qemuHostCPUDistance(GHashTable *host,
                    const qemuCapsCPUModel *model)
{
    g_autoptr(GHashTable) own = g_hash_table_new(g_str_hash, g_str_equal);
    guint lacking = 0;
    guint extra = 0;
    GHashTableIter iter;
    gpointer key;
    size_t i;

    for (i = 0; i < model->features->len; i++) {
        g_hash_table_add(own, model->features->pdata[i]);
        if (!g_hash_table_contains(host, model->features->pdata[i]))
            extra++;
    }
    g_hash_table_iter_init(&iter, host);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (!g_hash_table_contains(own, key))
            lacking++;
    }
    return lacking + extra;
}


/**
 * qemuHostCPUSelectModel:
 * @cpu: the host CPU
 * @caps: capabilities with expanded CPU models
 *
 * Among the expanded models whose CPUID vendor is the host's, the one
 * with the fewest differences; on a tie the one with more features.
 *
 * Returns: (transfer none) the model, or NULL when none matches.
 */
const qemuCapsCPUModel *
qemuHostCPUSelectModel(const qemuHostCPU *cpu,
                       const qemuCaps *caps)
{
    g_autoptr(GHashTable) host = g_hash_table_new(g_str_hash, g_str_equal);
    const qemuCapsCPUModel *best = NULL;
    guint bestDistance = G_MAXUINT;
    size_t i;

    if (!caps->cpuModels || !cpu->vendorId)
        return NULL;
    for (i = 0; i < cpu->features->len; i++)
        g_hash_table_add(host, cpu->features->pdata[i]);
    for (i = 0; i < caps->cpuModels->len; i++) {
        const qemuCapsCPUModel *m = g_ptr_array_index(caps->cpuModels, i);
        guint d;

        if (!m->features || g_strcmp0(m->vendor, cpu->vendorId) != 0)
            continue;
        d = qemuHostCPUDistance(host, m);
        if (d < bestDistance ||
            (d == bestDistance && m->features->len > best->features->len)) {
            best = m;
            bestDistance = d;
        }
    }
    return best;
}


/* The name to report for @model: its unversioned alias when it has one,
 * as libvirt names models. (transfer none) */
static const char *
qemuHostCPUModelName(const qemuCaps *caps,
                     const qemuCapsCPUModel *model)
{
    size_t i;

    for (i = 0; i < caps->cpuModels->len; i++) {
        const qemuCapsCPUModel *m = g_ptr_array_index(caps->cpuModels, i);

        if (g_strcmp0(m->aliasOf, model->name) == 0)
            return m->name;
    }
    return model->name;
}


static const char *
qemuHostCPUVendorName(const char *vendorId)
{
    if (g_strcmp0(vendorId, "GenuineIntel") == 0)
        return "Intel";
    if (g_strcmp0(vendorId, "AuthenticAMD") == 0)
        return "AMD";
    if (g_strcmp0(vendorId, "HygonGenuine") == 0)
        return "Hygon";
    return vendorId;
}


/* <feature name=.../> lines: the host's features @model lacks, each
 * line starting with @indent. */
static void
qemuHostCPUFormatFeatures(GString *buf,
                          const qemuHostCPU *cpu,
                          const qemuCapsCPUModel *model,
                          const char *indent)
{
    g_autoptr(GHashTable) own = g_hash_table_new(g_str_hash, g_str_equal);
    size_t i;

    for (i = 0; model && i < model->features->len; i++)
        g_hash_table_add(own, model->features->pdata[i]);
    for (i = 0; i < cpu->features->len; i++) {
        const char *f = cpu->features->pdata[i];

        if (!g_hash_table_contains(own, f))
            g_string_append_printf(buf, "%s<feature name='%s'/>\n", indent,
                                   qemuHostCPUFeatureName(f));
    }
}


/**
 * qemuHostCPUFormatHost:
 * @buf: the capabilities document being built
 * @cpu: the host CPU
 * @caps: capabilities with expanded CPU models
 * @arch: the host's architecture
 * @sockets: sockets of the host's topology
 * @cores: cores per socket
 * @threads: threads per core
 */
void
qemuHostCPUFormatHost(GString *buf,
                      const qemuHostCPU *cpu,
                      const qemuCaps *caps,
                      const char *arch,
                      int sockets,
                      int cores,
                      int threads)
{
    const qemuCapsCPUModel *model = qemuHostCPUSelectModel(cpu, caps);
    g_autofree char *vendor = NULL;

    g_string_append_printf(buf, "    <cpu>\n      <arch>%s</arch>\n", arch);
    if (model)
        g_string_append_printf(buf, "      <model>%s</model>\n",
                               qemuHostCPUModelName(caps, model));
    if (cpu->vendorId) {
        vendor = g_markup_escape_text(qemuHostCPUVendorName(cpu->vendorId), -1);
        g_string_append_printf(buf, "      <vendor>%s</vendor>\n", vendor);
    }
    if (cpu->hasMicrocode)
        g_string_append_printf(buf, "      <microcode version='%llu'/>\n",
                               cpu->microcode);
    if (cpu->family)
        g_string_append_printf(buf, "      <signature family='%u' model='%u' "
                               "stepping='%u'/>\n",
                               cpu->family, cpu->model, cpu->stepping);
    g_string_append_printf(buf, "      <topology sockets='%d' dies='1' "
                           "clusters='1' cores='%d' threads='%d'/>\n",
                           sockets, cores, threads);
    if (cpu->physBits)
        g_string_append_printf(buf, "      <maxphysaddr mode='emulate' "
                               "bits='%u'/>\n", cpu->physBits);
    qemuHostCPUFormatFeatures(buf, cpu, model, "      ");
    g_string_append(buf, "    </cpu>\n");
}
