/*
 * agenttest.c: the guest agent client, its reply parsers on recorded
 * replies and its conversation with a scripted agent on a socketpair
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_agent.h"
#include "qemu_agentpriv.h"
#include "qemu_guest.h"
#include "qemu_guestinfo.h"
#include "qemu_stats.h"
#include "vserror.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put);


/* ---- parsers ----------------------------------------------------------- */

static const struct {
    const char *msg;
    int code;                   /* 0: success */
    const char *ret;            /* the "return" member expected */
} replyCases[] = {
    { "{\"return\": {}}", 0, "{ }" },
    { "{\"return\": 42}", 0, "42" },
    { "{\"return\": [1, 2]}", 0, "[ 1, 2 ]" },
    { "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"x\"}}",
      VS_ERR_OPERATION_UNSUPPORTED, NULL },
    { "{\"error\": {\"class\": \"CommandDisabled\", \"desc\": \"x\"}}",
      VS_ERR_OPERATION_UNSUPPORTED, NULL },
    { "{\"error\": {\"class\": \"GenericError\", \"desc\": \"boom\"}}",
      VS_ERR_INTERNAL_ERROR, NULL },
    { "{\"error\": 3}", VS_ERR_INTERNAL_ERROR, NULL },
    { "{\"greeting\": 1}", VS_ERR_INTERNAL_ERROR, NULL },
};


static void
testParseReply(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(replyCases); i++) {
        g_autoptr(json_object) msg = json_tokener_parse(replyCases[i].msg);
        g_autoptr(json_object) ret = NULL;
        g_autoptr(GError) err = NULL;

        ret = qemuAgentParseReply(msg, "guest-x", &err);
        if (replyCases[i].code == 0) {
            g_assert_no_error(err);
            g_assert_cmpstr(json_object_to_json_string(ret), ==,
                            replyCases[i].ret);
        } else {
            g_assert_null(ret);
            g_assert_error(err, VS_ERROR_QEMU, replyCases[i].code);
            g_assert_nonnull(strstr(err->message, "guest-x"));
        }
    }
}


static void
testParseTime(void)
{
    g_autoptr(json_object) good = json_object_new_int64(1700000000123456789LL);
    g_autoptr(json_object) negative = json_object_new_int64(-5);
    g_autoptr(json_object) text = json_object_new_string("1");
    g_autoptr(GError) err = NULL;
    long long s = 0;
    unsigned int ns = 0;

    g_assert_true(qemuAgentParseTime(good, &s, &ns, &err));
    g_assert_cmpint(s, ==, 1700000000LL);
    g_assert_cmpuint(ns, ==, 123456789);
    g_assert_false(qemuAgentParseTime(negative, &s, &ns, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_clear_error(&err);
    g_assert_false(qemuAgentParseTime(text, &s, &ns, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
}


/* What qemu-ga 7.2 answered in a Debian guest, trimmed. */
static const char interfacesReply[] =
    "[{\"name\": \"lo\", \"ip-addresses\": ["
    "  {\"ip-address-type\": \"ipv4\", \"ip-address\": \"127.0.0.1\", \"prefix\": 8},"
    "  {\"ip-address-type\": \"ipv6\", \"ip-address\": \"::1\", \"prefix\": 128}],"
    "  \"hardware-address\": \"00:00:00:00:00:00\", \"statistics\": {}},"
    " {\"name\": \"eth0\", \"hardware-address\": \"52:54:00:12:34:56\","
    "  \"ip-addresses\": ["
    "  {\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.2.15\", \"prefix\": 24},"
    "  {\"ip-address-type\": \"other\", \"ip-address\": \"x\", \"prefix\": 0}]},"
    " {\"name\": \"dummy0\"}]";


static void
testParseInterfaces(void)
{
    g_autoptr(json_object) ret = json_tokener_parse(interfacesReply);
    g_autoptr(json_object) noName = json_tokener_parse("[{\"ip-addresses\": []}]");
    g_autoptr(json_object) badPrefix = json_tokener_parse(
        "[{\"name\": \"e\", \"ip-addresses\": [{\"ip-address-type\": \"ipv4\","
        " \"ip-address\": \"1.2.3.4\", \"prefix\": 300}]}]");
    g_autoptr(GPtrArray) ifaces = NULL;
    g_autoptr(GError) err = NULL;
    const qemuStatsInterface *iface;
    const qemuStatsIPAddress *addr;

    ifaces = qemuAgentParseInterfaces(ret, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(ifaces->len, ==, 3);
    iface = g_ptr_array_index(ifaces, 0);
    g_assert_cmpstr(iface->name, ==, "lo");
    g_assert_cmpuint(iface->addrs->len, ==, 2);
    addr = g_ptr_array_index(iface->addrs, 1);
    g_assert_cmpint(addr->type, ==, 1);
    g_assert_cmpstr(addr->addr, ==, "::1");
    g_assert_cmpuint(addr->prefix, ==, 128);
    iface = g_ptr_array_index(ifaces, 1);
    g_assert_cmpstr(iface->hwaddr, ==, "52:54:00:12:34:56");
    g_assert_cmpuint(iface->addrs->len, ==, 1);
    addr = g_ptr_array_index(iface->addrs, 0);
    g_assert_cmpint(addr->type, ==, 0);
    g_assert_cmpstr(addr->addr, ==, "10.0.2.15");
    g_assert_cmpuint(addr->prefix, ==, 24);
    iface = g_ptr_array_index(ifaces, 2);
    g_assert_null(iface->hwaddr);
    g_assert_cmpuint(iface->addrs->len, ==, 0);

    g_assert_null(qemuAgentParseInterfaces(noName, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_clear_error(&err);
    g_assert_null(qemuAgentParseInterfaces(badPrefix, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
}


static void
testChannelOpen(void)
{
    g_autoptr(json_object) reply = json_tokener_parse(
        "[{\"frontend-open\": true, \"filename\": \"unix:/x,server=on\","
        "  \"label\": \"charchannel0\"},"
        " {\"frontend-open\": false, \"filename\": \"unix:/y,server=on\","
        "  \"label\": \"charchannel1\"}]");

    g_assert_true(qemuGuestParseChannelOpen(reply, "channel0"));
    g_assert_false(qemuGuestParseChannelOpen(reply, "channel1"));
    /* not listed: let the agent's silence decide */
    g_assert_true(qemuGuestParseChannelOpen(reply, "channel7"));
}


static const char *
paramString(const vsTypedParamList *params,
            const char *field)
{
    const vsTypedParam *p = vsTypedParamListFind(params, field);

    g_assert_nonnull(p);
    g_assert_cmpint(p->type, ==, VS_TYPED_PARAM_STRING);
    return p->value.s;
}


static unsigned long long
paramNumber(const vsTypedParamList *params,
            const char *field)
{
    const vsTypedParam *p = vsTypedParamListFind(params, field);

    g_assert_nonnull(p);
    switch (p->type) {
    case VS_TYPED_PARAM_INT:
        return p->value.i;
    case VS_TYPED_PARAM_UINT:
        return p->value.ui;
    case VS_TYPED_PARAM_ULLONG:
        return p->value.ul;
    default:
        g_assert_not_reached();
    }
}


static void
testGuestInfoParse(void)
{
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autoptr(json_object) os = json_tokener_parse(
        "{\"name\": \"Debian GNU/Linux\", \"kernel-release\": \"6.12.0\","
        " \"version-id\": \"12\", \"id\": \"debian\", \"bogus\": \"x\"}");
    g_autoptr(json_object) tz = json_tokener_parse(
        "{\"zone\": \"CET\", \"offset\": 3600}");
    g_autoptr(json_object) users = json_tokener_parse(
        "[{\"user\": \"root\", \"login-time\": 1700000000.5},"
        " {\"user\": \"bob\", \"domain\": \"HOME\", \"login-time\": 1}]");
    g_autoptr(json_object) ifret = json_tokener_parse(interfacesReply);
    g_autoptr(GPtrArray) ifaces = qemuAgentParseInterfaces(ifret, NULL);

    qemuGuestInfoParseOS(os, params);
    qemuGuestInfoParseTimezone(tz, params);
    qemuGuestInfoParseUsers(users, params);
    qemuGuestInfoFormatInterfaces(ifaces, params);
    g_assert_cmpstr(paramString(params, "os.name"), ==, "Debian GNU/Linux");
    g_assert_cmpstr(paramString(params, "os.kernel-release"), ==, "6.12.0");
    g_assert_cmpstr(paramString(params, "os.version-id"), ==, "12");
    g_assert_null(vsTypedParamListFind(params, "os.bogus"));
    g_assert_cmpstr(paramString(params, "timezone.name"), ==, "CET");
    g_assert_cmpuint(paramNumber(params, "timezone.offset"), ==, 3600);
    g_assert_cmpuint(paramNumber(params, "user.count"), ==, 2);
    g_assert_cmpstr(paramString(params, "user.0.name"), ==, "root");
    g_assert_cmpuint(paramNumber(params, "user.0.login-time"), ==,
                     1700000000500ULL);
    g_assert_null(vsTypedParamListFind(params, "user.0.domain"));
    g_assert_cmpstr(paramString(params, "user.1.domain"), ==, "HOME");
    g_assert_cmpuint(paramNumber(params, "if.count"), ==, 3);
    g_assert_cmpstr(paramString(params, "if.1.name"), ==, "eth0");
    g_assert_cmpstr(paramString(params, "if.1.hwaddr"), ==, "52:54:00:12:34:56");
    g_assert_cmpuint(paramNumber(params, "if.1.addr.count"), ==, 1);
    g_assert_cmpstr(paramString(params, "if.1.addr.0.type"), ==, "ipv4");
    g_assert_cmpstr(paramString(params, "if.1.addr.0.addr"), ==, "10.0.2.15");
    g_assert_cmpuint(paramNumber(params, "if.1.addr.0.prefix"), ==, 24);
    g_assert_cmpstr(paramString(params, "if.0.addr.1.type"), ==, "ipv6");
    g_assert_null(vsTypedParamListFind(params, "if.2.hwaddr"));
}


/* ---- conversation with a scripted agent -------------------------------- */

typedef enum {
    FAKE_AGENT_NORMAL,      /* answers like qemu-ga */
    FAKE_AGENT_SILENT,      /* reads, never answers */
    FAKE_AGENT_HANGUP,      /* closes after the first read */
} fakeAgentMode;

typedef struct {
    int fd;
    fakeAgentMode mode;
    GPtrArray *seen;        /* the commands received, in order */
} fakeAgent;


static void
fakeAgentSend(fakeAgent *fake,
              const char *text)
{
    size_t len = strlen(text);

    g_assert_cmpint(write(fake->fd, text, len), ==, (ssize_t) len);
}


/* Answer one command as qemu-ga would, with junk around the sync. */
static void
fakeAgentAnswer(fakeAgent *fake,
                json_object *cmd)
{
    json_object *execute = NULL;
    json_object *args = NULL;
    json_object *id = NULL;
    const char *name;
    g_autofree char *line = NULL;

    g_assert_true(json_object_object_get_ex(cmd, "execute", &execute));
    name = json_object_get_string(execute);
    g_ptr_array_add(fake->seen, g_strdup(name));
    json_object_object_get_ex(cmd, "arguments", &args);

    if (g_str_equal(name, "guest-sync-delimited")) {
        g_assert_true(json_object_object_get_ex(args, "id", &id));
        /* a reply left over from an earlier client, and a stale sync */
        fakeAgentSend(fake, "{\"return\": 7}\n\xff{\"return\": 1}\n");
        line = g_strdup_printf("\xff{\"return\": %" G_GINT64_FORMAT "}\n",
                               json_object_get_int64(id));
        fakeAgentSend(fake, line);
    } else if (g_str_equal(name, "guest-get-time")) {
        fakeAgentSend(fake, "{\"return\": 1700000000123456789}\n");
    } else if (g_str_equal(name, "guest-set-time")) {
        json_object *t = NULL;

        if (args)
            g_assert_true(json_object_object_get_ex(args, "time", &t));
        g_ptr_array_add(fake->seen,
                        g_strdup(t ? json_object_get_string(t) : "rtc"));
        fakeAgentSend(fake, "{\"return\": {}}\n");
    } else if (g_str_equal(name, "guest-network-get-interfaces")) {
        line = g_strdup_printf("{\"return\": %s}\n", interfacesReply);
        fakeAgentSend(fake, line);
    } else if (g_str_equal(name, "guest-shutdown")) {
        json_object *mode = NULL;

        g_assert_true(json_object_object_get_ex(args, "mode", &mode));
        g_ptr_array_add(fake->seen, g_strdup(json_object_get_string(mode)));
    } else if (g_str_equal(name, "guest-fsfreeze-freeze-list")) {
        json_object *mounts = NULL;

        g_assert_true(json_object_object_get_ex(args, "mountpoints", &mounts));
        line = g_strdup_printf("{\"return\": %zu}\n",
                               json_object_array_length(mounts));
        fakeAgentSend(fake, line);
    } else {
        fakeAgentSend(fake, "{\"error\": {\"class\": \"CommandNotFound\","
                            " \"desc\": \"The command has not been found\"}}\n");
    }
}


static gpointer
fakeAgentRun(gpointer opaque)
{
    fakeAgent *fake = opaque;
    g_autoptr(GString) buf = g_string_new(NULL);
    char chunk[4096];
    ssize_t n;

    while ((n = read(fake->fd, chunk, sizeof(chunk))) > 0) {
        const char *nl;

        if (fake->mode == FAKE_AGENT_HANGUP)
            break;
        if (fake->mode == FAKE_AGENT_SILENT)
            continue;
        g_string_append_len(buf, chunk, n);
        while ((nl = memchr(buf->str, '\n', buf->len))) {
            g_autofree char *line = g_strndup(buf->str, nl - buf->str);
            g_autoptr(json_object) cmd = NULL;

            g_string_erase(buf, 0, nl - buf->str + 1);
            /* the client's parser reset byte */
            g_assert_true(line[0] != '\xff' || line[1] == '{');
            cmd = json_tokener_parse(line[0] == '\xff' ? line + 1 : line);
            g_assert_nonnull(cmd);
            fakeAgentAnswer(fake, cmd);
        }
    }
    close(fake->fd);
    return NULL;
}


static GThread *
fakeAgentStart(fakeAgent *fake,
               fakeAgentMode mode,
               int *clientFd)
{
    int sv[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    fake->fd = sv[1];
    fake->mode = mode;
    fake->seen = g_ptr_array_new_with_free_func(g_free);
    *clientFd = sv[0];
    return g_thread_new("fake-agent", fakeAgentRun, fake);
}


static void
fakeAgentFinish(fakeAgent *fake,
                GThread *thread)
{
    g_thread_join(thread);
    g_ptr_array_unref(fake->seen);
}


static void
testConversation(void)
{
    fakeAgent fake;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) ifaces = NULL;
    const char *const mounts[] = { "/", "/boot", NULL };
    qemuAgent *agent;
    GThread *thread;
    long long s = 0;
    unsigned int ns = 0;
    int fd;

    thread = fakeAgentStart(&fake, FAKE_AGENT_NORMAL, &fd);
    agent = qemuAgentOpenFd(fd, 5000, &err);
    g_assert_no_error(err);

    g_assert_true(qemuAgentGetTime(agent, &s, &ns, &err));
    g_assert_cmpint(s, ==, 1700000000LL);
    g_assert_cmpuint(ns, ==, 123456789);
    g_assert_true(qemuAgentSetTime(agent, FALSE, 1600000000LL, 5, &err));
    g_assert_true(qemuAgentSetTime(agent, TRUE, 0, 0, &err));
    ifaces = qemuAgentGetInterfaces(agent, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(ifaces->len, ==, 3);
    g_assert_cmpint(qemuAgentFSFreeze(agent, mounts, &err), ==, 2);
    g_assert_cmpint(qemuAgentFSThaw(agent, &err), ==, -1);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED);
    g_clear_error(&err);
    g_assert_true(qemuAgentShutdown(agent, "powerdown", &err));
    g_assert_no_error(err);
    qemuAgentClose(agent);
    fakeAgentFinish(&fake, thread);
}


static void
testConversationOrder(void)
{
    static const char *const expected[] = {
        "guest-sync-delimited", "guest-get-time", "guest-set-time",
        "1600000000000000005", "guest-shutdown", "reboot",
    };
    fakeAgent fake;
    g_autoptr(GError) err = NULL;
    qemuAgent *agent;
    GThread *thread;
    long long s;
    unsigned int ns;
    size_t i;
    int fd;

    thread = fakeAgentStart(&fake, FAKE_AGENT_NORMAL, &fd);
    agent = qemuAgentOpenFd(fd, 5000, &err);
    g_assert_no_error(err);
    g_assert_true(qemuAgentGetTime(agent, &s, &ns, &err));
    g_assert_true(qemuAgentSetTime(agent, FALSE, 1600000000LL, 5, &err));
    g_assert_true(qemuAgentShutdown(agent, "reboot", &err));
    qemuAgentClose(agent);
    g_thread_join(thread);
    g_assert_cmpuint(fake.seen->len, ==, G_N_ELEMENTS(expected));
    for (i = 0; i < G_N_ELEMENTS(expected); i++)
        g_assert_cmpstr(g_ptr_array_index(fake.seen, i), ==, expected[i]);
    g_ptr_array_unref(fake.seen);
}


static void
testGuestInfoCollect(void)
{
    fakeAgent fake;
    g_autoptr(GError) err = NULL;
    g_autoptr(vsTypedParamList) all = vsTypedParamListNew();
    g_autoptr(vsTypedParamList) os = vsTypedParamListNew();
    qemuAgent *agent;
    GThread *thread;
    int fd;

    thread = fakeAgentStart(&fake, FAKE_AGENT_NORMAL, &fd);
    agent = qemuAgentOpenFd(fd, 5000, &err);
    g_assert_no_error(err);
    /* all groups: those the agent lacks are left out */
    g_assert_true(qemuGuestInfoCollect(agent, 0, all, &err));
    g_assert_no_error(err);
    g_assert_null(vsTypedParamListFind(all, "os.name"));
    g_assert_cmpuint(paramNumber(all, "if.count"), ==, 3);
    /* one group by name: its absence is an error */
    g_assert_false(qemuGuestInfoCollect(agent, QEMU_GUEST_INFO_OS, os, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED);
    qemuAgentClose(agent);
    fakeAgentFinish(&fake, thread);
}


static void
testSilentAgent(void)
{
    fakeAgent fake;
    g_autoptr(GError) err = NULL;
    GThread *thread;
    gint64 start = g_get_monotonic_time();
    int fd;

    thread = fakeAgentStart(&fake, FAKE_AGENT_SILENT, &fd);
    g_assert_null(qemuAgentOpenFd(fd, 300, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE);
    g_assert_nonnull(strstr(err->message, "not connected"));
    /* gave up in about the time it was given */
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 300 * 1000);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
    fakeAgentFinish(&fake, thread);
}


static void
testHangup(void)
{
    fakeAgent fake;
    g_autoptr(GError) err = NULL;
    GThread *thread;
    int fd;

    thread = fakeAgentStart(&fake, FAKE_AGENT_HANGUP, &fd);
    g_assert_null(qemuAgentOpenFd(fd, 5000, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE);
    fakeAgentFinish(&fake, thread);
}


static void
testCommandTimeout(void)
{
    fakeAgent fake;
    g_autoptr(GError) err = NULL;
    qemuAgent *agent;
    GThread *thread;
    int fd;

    thread = fakeAgentStart(&fake, FAKE_AGENT_NORMAL, &fd);
    agent = qemuAgentOpenFd(fd, 5000, &err);
    g_assert_no_error(err);
    /* guest-shutdown gets no reply: waiting for one must time out */
    qemuAgentSetTimeout(agent, 200);
    g_assert_false(qemuAgentCommand(agent, "guest-shutdown",
                                    json_tokener_parse("{\"mode\": \"halt\"}"),
                                    NULL, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE);
    qemuAgentClose(agent);
    fakeAgentFinish(&fake, thread);
}


static void
testNoSocket(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("agenttest-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "none.sock", NULL);

    g_assert_null(qemuAgentOpen(path, 1000, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE);
    g_assert_cmpint(rmdir(dir), ==, 0);
}


/* ---- the real qemu-ga, listening on a UNIX socket of its own ----------- */

/* Only harmless commands: qemu-ga here runs on the host itself. */
#define QEMU_GA_ALLOWED \
    "guest-sync-delimited,guest-get-time,guest-network-get-interfaces," \
    "guest-get-host-name,guest-ping,guest-get-osinfo,guest-get-timezone," \
    "guest-get-users"

typedef struct {
    char *dir;
    char *sock;
    GPid pid;
} realAgent;


static const char *
realAgentBinary(void)
{
    const char *env = g_getenv("VS_TEST_QEMU_GA");

    if (env)
        return env;
    return g_file_test("/usr/sbin/qemu-ga", G_FILE_TEST_IS_EXECUTABLE) ?
           "/usr/sbin/qemu-ga" : NULL;
}


static gboolean
realAgentStart(realAgent *ga)
{
    g_autofree char *conf = NULL;
    g_autofree char *pidfile = NULL;
    g_autoptr(GError) err = NULL;
    const char *bin = realAgentBinary();
    gint64 deadline;
    struct stat st;

    if (!bin) {
        g_test_skip("qemu-ga is not installed (tools/install-deps installs it)");
        return FALSE;
    }
    ga->dir = g_dir_make_tmp("agenttest-ga-XXXXXX", &err);
    g_assert_no_error(err);
    ga->sock = g_build_filename(ga->dir, "qga.sock", NULL);
    conf = g_build_filename(ga->dir, "qemu-ga.conf", NULL);
    pidfile = g_build_filename(ga->dir, "qemu-ga.pid", NULL);
    g_assert_true(g_file_set_contents(conf, "", 0, &err));
    {
        const char *argv[] = {
            bin, "-c", conf, "-m", "unix-listen", "-p", ga->sock,
            "-t", ga->dir, "-f", pidfile, "-a", QEMU_GA_ALLOWED, NULL,
        };

        g_assert_true(g_spawn_async(NULL, (char **) argv, NULL,
                                    G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                    &ga->pid, &err));
    }
    /* qemu-ga creates the socket once it listens */
    deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    while (stat(ga->sock, &st) < 0) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(20 * 1000);
    }
    return TRUE;
}


static void
realAgentStop(realAgent *ga)
{
    g_autoptr(GDir) dir = NULL;
    const char *entry;
    int status = 0;

    kill(ga->pid, SIGTERM);
    g_assert_cmpint(waitpid(ga->pid, &status, 0), ==, ga->pid);
    g_spawn_close_pid(ga->pid);
    /* the socket, configuration, pid file and qemu-ga's state files */
    dir = g_dir_open(ga->dir, 0, NULL);
    g_assert_nonnull(dir);
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(ga->dir, entry, NULL);

        g_assert_cmpint(unlink(path), ==, 0);
    }
    g_assert_cmpint(rmdir(ga->dir), ==, 0);
    g_free(ga->sock);
    g_free(ga->dir);
}


static void
testRealAgent(void)
{
    realAgent ga = { 0 };
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) ifaces = NULL;
    g_autoptr(json_object) ret = NULL;
    json_object *name = NULL;
    qemuAgent *agent;
    gboolean sawLoopback = FALSE;
    long long s = 0;
    unsigned int ns = 0;
    size_t i;
    size_t j;

    if (!realAgentStart(&ga))
        return;

    agent = qemuAgentOpen(ga.sock, 10000, &err);
    g_assert_no_error(err);
    g_assert_true(qemuAgentGetTime(agent, &s, &ns, &err));
    g_assert_cmpint(ABS(s - g_get_real_time() / G_USEC_PER_SEC), <=, 5);
    g_assert_cmpuint(ns, <, 1000000000);
    /* refused by the allow list: the agent's own error class */
    g_assert_cmpint(qemuAgentFSThaw(agent, &err), ==, -1);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED);
    g_clear_error(&err);
    g_assert_false(qemuAgentCommand(agent, "guest-no-such-command", NULL,
                                    NULL, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED);
    g_clear_error(&err);
    qemuAgentClose(agent);

    /* a second conversation resynchronises on the same agent */
    agent = qemuAgentOpen(ga.sock, 10000, &err);
    g_assert_no_error(err);
    ifaces = qemuAgentGetInterfaces(agent, &err);
    g_assert_no_error(err);
    for (i = 0; i < ifaces->len; i++) {
        const qemuStatsInterface *iface = g_ptr_array_index(ifaces, i);

        for (j = 0; j < iface->addrs->len; j++) {
            const qemuStatsIPAddress *addr = g_ptr_array_index(iface->addrs, j);

            sawLoopback |= g_str_equal(iface->name, "lo") &&
                           g_str_equal(addr->addr, "127.0.0.1") &&
                           addr->prefix == 8;
        }
    }
    g_assert_true(sawLoopback);
    g_assert_true(qemuAgentCommand(agent, "guest-get-host-name", NULL, &ret,
                                   &err));
    g_assert_true(json_object_object_get_ex(ret, "host-name", &name));
    g_assert_cmpstr(json_object_get_string(name), ==, g_get_host_name());
    {
        g_autoptr(vsTypedParamList) info = vsTypedParamListNew();
        struct utsname uts;

        g_assert_cmpint(uname(&uts), ==, 0);
        g_assert_true(qemuGuestInfoCollect(agent, 0, info, &err));
        g_assert_no_error(err);
        g_assert_cmpstr(paramString(info, "os.kernel-release"), ==,
                        uts.release);
        g_assert_cmpstr(paramString(info, "hostname"), ==, g_get_host_name());
        g_assert_nonnull(vsTypedParamListFind(info, "timezone.offset"));
        g_assert_nonnull(vsTypedParamListFind(info, "user.count"));
    }
    qemuAgentClose(agent);

    realAgentStop(&ga);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/agent/parse/reply", testParseReply);
    g_test_add_func("/agent/parse/time", testParseTime);
    g_test_add_func("/agent/parse/interfaces", testParseInterfaces);
    g_test_add_func("/agent/parse/channel-open", testChannelOpen);
    g_test_add_func("/agent/conversation", testConversation);
    g_test_add_func("/agent/conversation-order", testConversationOrder);
    g_test_add_func("/agent/guestinfo/parse", testGuestInfoParse);
    g_test_add_func("/agent/guestinfo/collect", testGuestInfoCollect);
    g_test_add_func("/agent/silent", testSilentAgent);
    g_test_add_func("/agent/hangup", testHangup);
    g_test_add_func("/agent/command-timeout", testCommandTimeout);
    g_test_add_func("/agent/no-socket", testNoSocket);
    g_test_add_func("/agent/qemu-ga", testRealAgent);

    return g_test_run();
}
