/*
 * recovertest.c: the parts of crash recovery that need no QEMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The names of partial images, the sweep's rule (which files go and
 * which stay), and the <savejob> record of a status file. The recovery
 * itself runs against a real QEMU in
 * tests/integration/test_crash_recovery.py.
 */

#include <config.h>

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qemu_domain.h"
#include "qemu_recover.h"

/* ---- names -------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *prefix;
    gboolean ok;
    long long owner;
} PartNameCase;

static const PartNameCase partNameCases[] = {
    { "g1.img.1234.98765.part", NULL, TRUE, 1234 },
    { "g1.img.1234.98765.part", "g1.img.", TRUE, 1234 },
    { "g1.1234.0.part", NULL, TRUE, 1234 },
    { "a.b.c.img.7.1.part", "a.b.c.img.", TRUE, 7 },
    { "g1.img.1234.98765.part", "g2.img.", FALSE, 0 },
    { "g1.img.x.98765.part", NULL, FALSE, 0 },
    { "g1.img.1234.9x.part", NULL, FALSE, 0 },
    { "g1.img.0.1.part", NULL, FALSE, 0 },
    { "g1.img.-5.1.part", NULL, FALSE, 0 },
    { "g1.img.1234.98765", NULL, FALSE, 0 },
    { ".1234.5.part", NULL, FALSE, 0 },
    { "1234.5.part", NULL, FALSE, 0 },
    { "g1.img.extra.1234.5.part", "g1.img.", FALSE, 0 },
    { "g1.img", NULL, FALSE, 0 },
};


static void
testPartName(gconstpointer opaque)
{
    const PartNameCase *c = opaque;
    long long owner = 0;

    g_assert_cmpint(qemuRecoverParsePartName(c->name, c->prefix, &owner),
                    ==, c->ok);
    if (c->ok)
        g_assert_cmpint(owner, ==, c->owner);
}


/* ---- the sweep ---------------------------------------------------- */

static void
testTouch(const char *dir,
          const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_assert_true(g_file_set_contents(path, "x", 1, NULL));
}


static gboolean
testExists(const char *dir,
           const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    struct stat st;

    return lstat(path, &st) == 0;
}


/* The directory holds files, links and empty directories only. */
static void
testRemoveDir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        g_assert_cmpint(g_remove(path), ==, 0);
    }
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}


/* A pid no process has: a child that has been reaped. */
static pid_t
testDeadPid(void)
{
    pid_t pid = fork();
    int status;

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0)
        _exit(0);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    return pid;
}


static void
testSweep(void)
{
    g_autofree char *dir = g_dir_make_tmp("vsrecover-XXXXXX", NULL);
    g_autofree char *dead = NULL;
    g_autofree char *mine = NULL;
    g_autofree char *live = NULL;
    g_autofree char *linkname = NULL;
    g_autofree char *subdir = NULL;
    g_autofree char *target = NULL;
    pid_t child;
    int status;

    g_assert_nonnull(dir);
    /* A live process running this very program stands for another
     * daemon: its files stay. */
    child = fork();
    g_assert_cmpint(child, >=, 0);
    if (child == 0) {
        pause();
        _exit(0);
    }

    dead = g_strdup_printf("g1.save.%d.5.part", (int) testDeadPid());
    mine = g_strdup_printf("g2.save.%d.6.part", (int) getpid());
    live = g_strdup_printf("g3.save.%d.7.part", (int) child);
    linkname = g_strdup_printf("g4.save.%d.8.part", (int) testDeadPid());
    subdir = g_strdup_printf("g5.save.%d.9.part", (int) testDeadPid());
    testTouch(dir, dead);
    testTouch(dir, mine);
    testTouch(dir, live);
    testTouch(dir, "g6.save");
    testTouch(dir, "notes.part");
    target = g_build_filename(dir, "g6.save", NULL);
    {
        g_autofree char *path = g_build_filename(dir, linkname, NULL);
        g_autofree char *sub = g_build_filename(dir, subdir, NULL);

        g_assert_cmpint(symlink(target, path), ==, 0);
        g_assert_cmpint(mkdir(sub, 0700), ==, 0);
    }

    qemuRecoverSweepDir(dir, NULL);

    g_assert_false(testExists(dir, dead));
    g_assert_false(testExists(dir, mine));
    g_assert_true(testExists(dir, live));
    g_assert_true(testExists(dir, linkname));
    g_assert_true(testExists(dir, subdir));
    g_assert_true(testExists(dir, "g6.save"));
    g_assert_true(testExists(dir, "notes.part"));

    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    qemuRecoverSweepDir(dir, "g1.save.");
    g_assert_true(testExists(dir, live));
    qemuRecoverSweepDir(dir, "g3.save.");
    g_assert_false(testExists(dir, live));

    testRemoveDir(dir);
}


/* ---- the record --------------------------------------------------- */

#define TEST_DOMAIN \
    "  <domain type='kvm'>\n" \
    "    <name>g1</name>\n" \
    "    <uuid>5b9d6a5c-2b0e-4e42-9d3c-0f7a1b2c3d4e</uuid>\n" \
    "    <memory unit='KiB'>65536</memory>\n" \
    "    <vcpu>1</vcpu>\n" \
    "    <os><type arch='x86_64' machine='pc'>hvm</type></os>\n" \
    "  </domain>\n"

#define TEST_STATUS_HEAD \
    "<domstatus state='paused' reason='user' pid='4242' " \
    "starttime='99' monitor='/run/g1.monitor'>\n"

static void
testRecord(void)
{
    const char *xml =
        TEST_STATUS_HEAD
        "  <savejob path='/srv/g1.img' part='/srv/g1.img.77.5.part' "
        "state='running' reason='booted' fdset='3' managed='no' "
        "owner='77' started='1700000000000000' maxbandwidth='1024'/>\n"
        TEST_DOMAIN
        "</domstatus>\n";
    qemuDomainStatus status = { 0 };
    g_autoptr(GError) err = NULL;
    const qemuDomainSaveRecord *rec;

    if (!qemuDomainStatusParse(xml, &status, &err))
        g_assert_no_error(err);
    g_assert_nonnull((rec = status.save));
    g_assert_cmpstr(rec->path, ==, "/srv/g1.img");
    g_assert_cmpstr(rec->tmpPath, ==, "/srv/g1.img.77.5.part");
    g_assert_cmpint(rec->prevState, ==, VS_DOMAIN_RUNNING);
    g_assert_cmpint(rec->prevReason, ==, VS_DOMAIN_RUNNING_BOOTED);
    g_assert_cmpint(rec->fdset, ==, 3);
    g_assert_false(rec->managed);
    g_assert_cmpint(rec->owner, ==, 77);
    g_assert_cmpint(rec->started, ==, 1700000000000000LL);
    g_assert_true(rec->hasMaxBandwidth);
    g_assert_cmpuint(rec->maxBandwidth, ==, 1024);
    qemuDomainStatusClear(&status);

    /* Without the element: no save was running. */
    g_assert_true(qemuDomainStatusParse(TEST_STATUS_HEAD TEST_DOMAIN
                                        "</domstatus>\n", &status, &err));
    g_assert_null(status.save);
    qemuDomainStatusClear(&status);

    /* A relative path is no record of ours. */
    xml = TEST_STATUS_HEAD
          "  <savejob path='g1.img' part='/srv/g1.img.77.5.part' "
          "state='running' reason='booted' fdset='-1' managed='no' "
          "owner='77' started='1'/>\n"
          TEST_DOMAIN
          "</domstatus>\n";
    g_assert_false(qemuDomainStatusParse(xml, &status, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "<savejob>"));
}


int
main(int argc,
     char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(partNameCases); i++) {
        g_autofree char *name =
            g_strdup_printf("/recover/part-name/%zu-%s%s", i,
                            partNameCases[i].prefix ? "prefix-" : "",
                            partNameCases[i].name);

        g_test_add_data_func(name, &partNameCases[i], testPartName);
    }
    g_test_add_func("/recover/sweep", testSweep);
    g_test_add_func("/recover/record", testRecord);
    return g_test_run();
}
