/*
 * hostcputest.c: the host CPU's description, from recorded /proc/cpuinfo
 * text and QEMU CPU model expansions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <string.h>

#include "qemu_capabilities.h"
#include "qemu_hostcpu.h"
#include "vserror.h"

static const char cpuinfo[] =
    "processor\t: 0\n"
    "vendor_id\t: AuthenticAMD\n"
    "cpu family\t: 25\n"
    "model\t\t: 17\n"
    "model name\t: AMD EPYC 9B14\n"
    "stepping\t: 1\n"
    "microcode\t: 0x1000065\n"
    "flags\t\t: fpu sse2 pni pclmulqdq sse4_1 tsc_deadline_timer lahf_lm "
    "avx512_vbmi2 constant_tsc sse4_1 hypervisor\n"
    "address sizes\t: 48 bits physical, 48 bits virtual\n"
    "\n"
    "processor\t: 1\n"
    "vendor_id\t: AuthenticAMD\n"
    "flags\t\t: fpu\n";

static const struct {
    const char *in;
    const char *canon;
    const char *libvirt;
} nameCases[] = {
    { "sse4_1", "sse4-1", "sse4.1" },
    { "sse4.1", "sse4-1", "sse4.1" },
    { "pclmulqdq", "pclmulqdq", "pclmuldq" },
    { "pclmuldq", "pclmulqdq", "pclmuldq" },
    { "sse3", "pni", "pni" },
    { "tsc_deadline_timer", "tsc-deadline", "tsc-deadline" },
    { "lahf_lm", "lahf-lm", "lahf_lm" },
    { "avx512_vbmi2", "avx512vbmi2", "avx512vbmi2" },
    { "sha_ni", "sha-ni", "sha-ni" },
    { "XD", "nx", "nx" },
};


static void
testNames(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(nameCases); i++) {
        g_autofree char *canon = qemuHostCPUCanonical(nameCases[i].in);

        g_assert_cmpstr(canon, ==, nameCases[i].canon);
        g_assert_cmpstr(qemuHostCPUFeatureName(canon), ==, nameCases[i].libvirt);
    }
    g_assert_true(qemuHostCPUIsFeature("avx2"));
    g_assert_false(qemuHostCPUIsFeature("kvm-pv-eoi"));
    g_assert_false(qemuHostCPUIsFeature("hv-relaxed"));
    g_assert_false(qemuHostCPUIsFeature("migratable"));
}


static GHashTable *
knownSet(const char *const *names)
{
    GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            NULL);

    for (; *names; names++)
        g_hash_table_add(set, g_strdup(*names));
    return set;
}


static void
testParse(void)
{
    static const char *const known[] = {
        "fpu", "sse2", "pni", "pclmulqdq", "sse4-1", "tsc-deadline",
        "lahf-lm", "avx512vbmi2", "hypervisor", NULL,
    };
    g_autoptr(GHashTable) set = knownSet(known);
    g_autoptr(qemuHostCPU) cpu = qemuHostCPUParse(cpuinfo, set);
    g_autoptr(qemuHostCPU) all = qemuHostCPUParse(cpuinfo, NULL);
    g_autoptr(qemuHostCPU) none = qemuHostCPUParse("", NULL);
    size_t i;

    g_assert_cmpstr(cpu->vendorId, ==, "AuthenticAMD");
    g_assert_cmpuint(cpu->family, ==, 25);
    g_assert_cmpuint(cpu->model, ==, 17);
    g_assert_cmpuint(cpu->stepping, ==, 1);
    g_assert_true(cpu->hasMicrocode);
    g_assert_cmpuint(cpu->microcode, ==, 16777317);
    g_assert_cmpuint(cpu->physBits, ==, 48);
    /* the kernel's own flags are dropped, the duplicate counted once */
    g_assert_cmpuint(cpu->features->len, ==, 9);
    for (i = 0; i < cpu->features->len; i++)
        g_assert_cmpstr(cpu->features->pdata[i], ==, known[i]);
    g_assert_cmpuint(all->features->len, ==, 10);

    g_assert_null(none->vendorId);
    g_assert_false(none->hasMicrocode);
    g_assert_cmpuint(none->features->len, ==, 0);
}


/* A model as an expansion leaves it. */
static void
addModel(qemuCaps *caps,
         const char *name,
         const char *aliasOf,
         const char *expansion)
{
    qemuCapsCPUModel *model = NULL;
    g_autoptr(GError) err = NULL;
    json_object *reply;
    size_t i;

    for (i = 0; i < caps->cpuModels->len; i++) {
        qemuCapsCPUModel *m = g_ptr_array_index(caps->cpuModels, i);

        if (g_str_equal(m->name, name))
            model = m;
    }
    g_assert_nonnull(model);
    model->aliasOf = g_strdup(aliasOf);
    if (!expansion)
        return;
    reply = json_tokener_parse(expansion);
    g_assert_nonnull(reply);
    g_assert_true(qemuCapsParseCPUExpansion(caps, model, reply, &err));
    g_assert_no_error(err);
    json_object_put(reply);
}


static qemuCaps *
fakeCaps(void)
{
    qemuCaps *caps = g_new0(qemuCaps, 1);
    g_autoptr(GError) err = NULL;
    json_object *defs = json_tokener_parse(
        "[{\"name\": \"Old-v1\"}, {\"name\": \"Old\"},"
        " {\"name\": \"New-v1\"}, {\"name\": \"New\"},"
        " {\"name\": \"Intel-v1\"}, {\"name\": \"host\"}]");

    caps->refs = 1;
    g_assert_true(qemuCapsParseCPUModels(caps, defs, &err));
    json_object_put(defs);
    addModel(caps, "Old-v1", NULL,
             "{\"model\": {\"name\": \"Old-v1\", \"props\": {"
             "\"vendor\": \"AuthenticAMD\", \"fpu\": true, \"sse2\": true,"
             "\"pni\": false, \"sse3\": false, \"avx2\": false,"
             "\"kvm-pv-eoi\": true, \"family\": 15}}}");
    addModel(caps, "Old", "Old-v1", NULL);
    addModel(caps, "New-v1", NULL,
             "{\"model\": {\"name\": \"New-v1\", \"props\": {"
             "\"vendor\": \"AuthenticAMD\", \"fpu\": true, \"sse2\": true,"
             "\"pni\": true, \"sse3\": true, \"sse4.1\": true,"
             "\"sse4_1\": true, \"pclmulqdq\": true, \"pclmuldq\": true,"
             "\"avx2\": true}}}");
    addModel(caps, "New", "New-v1", NULL);
    addModel(caps, "Intel-v1", NULL,
             "{\"model\": {\"name\": \"Intel-v1\", \"props\": {"
             "\"vendor\": \"GenuineIntel\", \"fpu\": true, \"sse2\": true,"
             "\"pni\": true, \"sse4.1\": true, \"pclmulqdq\": true,"
             "\"lahf-lm\": true, \"tsc-deadline\": true}}}");
    return caps;
}


static void
testExpansion(void)
{
    g_autoptr(qemuCaps) caps = fakeCaps();
    const qemuCapsCPUModel *m = g_ptr_array_index(caps->cpuModels, 2);

    g_assert_cmpstr(m->name, ==, "New-v1");
    g_assert_cmpstr(m->vendor, ==, "AuthenticAMD");
    /* aliases fold: fpu sse2 pni sse4-1 pclmulqdq avx2 */
    g_assert_cmpuint(m->features->len, ==, 6);
    g_assert_true(g_hash_table_contains(caps->cpuFeatures, "pni"));
    g_assert_false(g_hash_table_contains(caps->cpuFeatures, "sse3"));
    g_assert_false(g_hash_table_contains(caps->cpuFeatures, "kvm-pv-eoi"));
    g_assert_true(g_hash_table_contains(caps->cpuFeatures, "lahf-lm"));
}


static void
testSelect(void)
{
    g_autoptr(qemuCaps) caps = fakeCaps();
    g_autoptr(qemuHostCPU) cpu = qemuHostCPUParse(cpuinfo, caps->cpuFeatures);
    g_autoptr(GString) host = g_string_new(NULL);
    const qemuCapsCPUModel *m;

    /* New-v1 lacks lahf-lm and tsc-deadline and has avx2 the host lacks
     * (3); Old-v1 lacks pni, pclmulqdq, sse4-1, lahf-lm, tsc-deadline
     * (5); Intel-v1 is another vendor's. */
    m = qemuHostCPUSelectModel(cpu, caps);
    g_assert_nonnull(m);
    g_assert_cmpstr(m->name, ==, "New-v1");

    qemuHostCPUFormatHost(host, cpu, caps, "x86_64", 1, 2, 1);
    g_assert_cmpstr(host->str, ==,
                    "    <cpu>\n"
                    "      <arch>x86_64</arch>\n"
                    "      <model>New</model>\n"
                    "      <vendor>AMD</vendor>\n"
                    "      <microcode version='16777317'/>\n"
                    "      <signature family='25' model='17' stepping='1'/>\n"
                    "      <topology sockets='1' dies='1' clusters='1' cores='2' threads='1'/>\n"
                    "      <maxphysaddr mode='emulate' bits='48'/>\n"
                    "      <feature name='tsc-deadline'/>\n"
                    "      <feature name='lahf_lm'/>\n"
                    "    </cpu>\n");

}


static void
testNoModel(void)
{
    g_autoptr(qemuCaps) caps = fakeCaps();
    g_autoptr(qemuHostCPU) cpu = qemuHostCPUParse(
        "vendor_id\t: CentaurHauls\nflags\t\t: fpu\n", caps->cpuFeatures);
    g_autoptr(GString) host = g_string_new(NULL);

    g_assert_null(qemuHostCPUSelectModel(cpu, caps));
    qemuHostCPUFormatHost(host, cpu, caps, "x86_64", 1, 1, 1);
    g_assert_null(strstr(host->str, "<model>"));
    g_assert_nonnull(strstr(host->str, "<vendor>CentaurHauls</vendor>"));
    g_assert_nonnull(strstr(host->str, "<feature name='fpu'/>"));
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/hostcpu/names", testNames);
    g_test_add_func("/hostcpu/parse", testParse);
    g_test_add_func("/hostcpu/expansion", testExpansion);
    g_test_add_func("/hostcpu/select", testSelect);
    g_test_add_func("/hostcpu/no-model", testNoModel);

    return g_test_run();
}
