/*
 * testdriverutils.h: helpers for tests that run real QEMU via the driver
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each test gets a fresh root directory (removed afterwards unless the
 * test failed) whose qemu.conf selects the accelerator from
 * VS_TEST_ACCEL (kvm, tcg or auto, the default). Guests boot the test
 * kernel $VS_BUILD_ROOT/tests/guest/vsguest.elf (VS_TEST_GUEST
 * overrides); tests skip when it is missing.
 */

#pragma once

#include <config.h>

#include <signal.h>
#include <unistd.h>

#include "qemu_domain.h"
#include "qemu_driver.h"
#include "vserror.h"

/* Generous for TCG on two busy cores; KVM needs a fraction. */
#define TEST_GUEST_TIMEOUT_MS 120000
#define TEST_EVENT_TIMEOUT_MS 30000

typedef struct {
    char *root;
    char *guest;
} testRoot;


static G_GNUC_UNUSED char *
testGuestPath(void)
{
    const char *guest = g_getenv("VS_TEST_GUEST");
    const char *build = g_getenv("VS_BUILD_ROOT");

    if (guest)
        return g_strdup(guest);
    return g_build_filename(build ? build : ".", "tests", "guest",
                            "vsguest.elf", NULL);
}


/* Set up a root; FALSE (test skipped) without a test guest. */
static G_GNUC_UNUSED gboolean
testRootInit(testRoot *tr)
{
    const char *accel = g_getenv("VS_TEST_ACCEL");
    g_autofree char *etc = NULL;
    g_autofree char *conf = NULL;
    g_autofree char *text = NULL;

    tr->guest = testGuestPath();
    if (!g_file_test(tr->guest, G_FILE_TEST_EXISTS)) {
        g_test_skip("no test guest (build tests/guest first)");
        return FALSE;
    }

    tr->root = g_dir_make_tmp("vsqemutest-XXXXXX", NULL);
    g_assert_nonnull(tr->root);
    etc = g_build_filename(tr->root, "etc", NULL);
    g_assert_cmpint(g_mkdir_with_parents(etc, 0755), ==, 0);
    conf = g_build_filename(etc, "qemu.conf", NULL);
    text = g_strdup_printf("accel = \"%s\"\nstop_timeout = 10\n",
                           accel ? accel : "auto");
    g_assert_true(g_file_set_contents(conf, text, -1, NULL));
    return TRUE;
}


static G_GNUC_UNUSED void
testRootClear(testRoot *tr)
{
    if (tr->root && !g_test_failed()) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tr->root);

        g_assert_cmpint(system(cmd), ==, 0);
    } else if (tr->root) {
        g_test_message("kept root %s", tr->root);
    }
    g_clear_pointer(&tr->root, g_free);
    g_clear_pointer(&tr->guest, g_free);
}


static G_GNUC_UNUSED char *
testSerialPath(const testRoot *tr,
               const char *name)
{
    g_autofree char *file = g_strdup_printf("serial-%s.log", name);

    return g_build_filename(tr->root, file, NULL);
}


/* A 128 MiB domain booting the test guest, its serial port in a file. */
static G_GNUC_UNUSED char *
testDomainXML(const testRoot *tr,
              const char *name,
              const char *uuid,
              const char *emulator)
{
    g_autofree char *serial = testSerialPath(tr, name);
    g_autofree char *emu = emulator ?
        g_strdup_printf("    <emulator>%s</emulator>\n", emulator) :
        g_strdup("");

    return g_strdup_printf(
        "<domain type='kvm'>\n"
        "  <name>%s</name>\n"
        "  <uuid>%s</uuid>\n"
        "  <memory unit='MiB'>128</memory>\n"
        "  <vcpu>1</vcpu>\n"
        "  <os>\n"
        "    <type arch='x86_64' machine='pc'>hvm</type>\n"
        "    <kernel>%s</kernel>\n"
        "  </os>\n"
        "  <devices>\n"
        "%s"
        "    <serial type='file'>\n"
        "      <source path='%s'/>\n"
        "    </serial>\n"
        "    <memballoon model='none'/>\n"
        "  </devices>\n"
        "</domain>\n", name, uuid, tr->guest, emu, serial);
}


/* Wait for the guest to print @text on its serial port. The guest's
 * output is a file QEMU appends to, so this reads it at short intervals;
 * everything the driver itself does is waited for without polling. */
static G_GNUC_UNUSED gboolean
testWaitSerial(const testRoot *tr,
               const char *name,
               const char *text,
               int timeoutMs)
{
    g_autofree char *path = testSerialPath(tr, name);
    gint64 deadline = g_get_monotonic_time() +
                      (gint64) timeoutMs * G_TIME_SPAN_MILLISECOND;

    while (g_get_monotonic_time() < deadline) {
        g_autofree char *content = NULL;

        if (g_file_get_contents(path, &content, NULL, NULL) &&
            strstr(content, text))
            return TRUE;
        g_usleep(50 * 1000);
    }
    return FALSE;
}


static G_GNUC_UNUSED qemuDomainRef *
testDefine(qemuDriver *driver,
           const testRoot *tr,
           const char *name,
           const char *uuid)
{
    g_autofree char *xml = testDomainXML(tr, name, uuid, NULL);
    g_autoptr(GError) err = NULL;
    qemuDomainRef *ref = qemuDriverDefineXML(driver, xml, 0, &err);

    g_assert_no_error(err);
    g_assert_nonnull(ref);
    return ref;
}


static G_GNUC_UNUSED void
testAssertState(qemuDriver *driver,
                const unsigned char *uuid,
                int state,
                int reason)
{
    g_autoptr(GError) err = NULL;
    int s = -1;
    int r = -1;

    g_assert_true(qemuDriverGetState(driver, uuid, &s, &r, &err));
    g_assert_no_error(err);
    g_assert_cmpint(s, ==, state);
    g_assert_cmpint(r, ==, reason);
}


/* Wait, on the domain's condition (no polling), until its state is
 * @state. Returns the milliseconds it took, or -1 on timeout. */
static G_GNUC_UNUSED gint64
testWaitState(qemuDriver *driver,
              const unsigned char *uuid,
              int state,
              int timeoutMs)
{
    gint64 start = g_get_monotonic_time();
    gint64 deadline = start + (gint64) timeoutMs * G_TIME_SPAN_MILLISECOND;
    qemuDomainObj *vm = qemuDomainObjListFindByUUID(driver->domains, uuid);
    gint64 ret = -1;

    g_assert_nonnull(vm);
    for (;;) {
        if ((int) vm->state == state) {
            ret = (g_get_monotonic_time() - start) / 1000;
            break;
        }
        if (!qemuDomainObjWait(vm, deadline) && (int) vm->state != state)
            break;
    }
    qemuDomainObjEndAPI(&vm);
    return ret;
}


/* The domain's QEMU pid, 0 when inactive. */
static G_GNUC_UNUSED pid_t
testDomainPid(qemuDriver *driver,
              const unsigned char *uuid)
{
    qemuDomainObj *vm = qemuDomainObjListFindByUUID(driver->domains, uuid);
    pid_t pid;

    g_assert_nonnull(vm);
    pid = vm->pid;
    qemuDomainObjEndAPI(&vm);
    return pid;
}
