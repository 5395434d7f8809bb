/*
 * virtsave.c: offline tool for save images
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Subcommands live in one table; each parses its own options and returns
 * one of the documented exit codes (see docs/virtsave.1).
 */

#include <config.h>

#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "domain_conf.h"
#include "qemu_saveimage.h"
#include "virtsave-convert.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"

/* Exit codes, documented in the man page and in docs/image-format.md. */
typedef enum {
    VIRTSAVE_EXIT_OK = 0,
    VIRTSAVE_EXIT_INVALID = 1,  /* the image is invalid, corrupt or partial */
    VIRTSAVE_EXIT_USAGE = 2,    /* bad command line */
    VIRTSAVE_EXIT_IO = 3,       /* the image could not be read */
} virtsaveExit;

typedef struct _virtsaveCommand virtsaveCommand;
struct _virtsaveCommand {
    const char *group;
    const char *name;
    const char *params;
    const char *summary;
    int (*run)(const virtsaveCommand *cmd, int argc, char **argv);
};

/* An image opened for inspection, with its header read. */


/* I/O failures are ours (3); everything the reader rejects is the image's. */
static int
virtsaveExitFor(const GError *err)
{
    if (err->domain == VS_ERROR_SYSTEM)
        return VIRTSAVE_EXIT_IO;
    return VIRTSAVE_EXIT_INVALID;
}


static void
virtsavePrintJSON(json_object *obj)
{
    printf("%s\n", json_object_to_json_string_ext(obj,
               JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}


/*
 * Report @err about @img in the chosen output form; returns the exit
 * code. An error from opening the file already names it.
 */
static int
virtsaveFail(const qemuSaveImage *img,
             const GError *err,
             gboolean json)
{
    if (json) {
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "file", json_object_new_string(img->path));
        json_object_object_add(obj, "valid", json_object_new_boolean(FALSE));
        json_object_object_add(obj, "error",
                               json_object_new_string(err->message));
        virtsavePrintJSON(obj);
        json_object_put(obj);
    } else if (img->fd < 0) {
        fprintf(stderr, "virtsave: %s\n", err->message);
    } else {
        fprintf(stderr, _("virtsave: '%s': %s\n"), img->path, err->message);
    }

    return virtsaveExitFor(err);
}


/*
 * Parse "[--json] FILE" for @cmd. Returns the exit code to stop with, or
 * -1 to go on with *@file set.
 */
static int
virtsaveParseFileArgs(const virtsaveCommand *cmd,
                      int argc,
                      char **argv,
                      gboolean *json,
                      const char **file)
{
    g_autofree char *synopsis = g_strdup_printf("%s %s", cmd->name,
                                                cmd->params);
    g_autoptr(GOptionContext) ctx = g_option_context_new(synopsis);
    g_autoptr(GError) err = NULL;
    GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, json,
          N_("Print the result as JSON"), NULL },
        { NULL },
    };
    g_autofree char *prog = g_strdup_printf("virtsave %s", cmd->group);

    g_set_prgname(prog);
    g_option_context_set_summary(ctx, _(cmd->summary));
    g_option_context_add_main_entries(ctx, entries, PACKAGE);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "virtsave: %s\n", err->message);
        return VIRTSAVE_EXIT_USAGE;
    }

    /* argv[0] is the command name. */
    if (argc != 2) {
        fprintf(stderr, _("virtsave: usage: virtsave %s %s %s\n"),
                cmd->group, cmd->name, "[--json] FILE");
        return VIRTSAVE_EXIT_USAGE;
    }

    *file = argv[1];
    return -1;
}


static json_object *
virtsaveMappedRamToJSON(const qemuSaveMappedRamReport *rep)
{
    json_object *obj = json_object_new_object();
    json_object *blocks = json_object_new_array();
    size_t i;

    json_object_object_add(obj, "machine",
                           rep->machine ? json_object_new_string(rep->machine) : NULL);
    json_object_object_add(obj, "ram_total", json_object_new_uint64(rep->ramTotal));
    json_object_object_add(obj, "ram_end", json_object_new_uint64(rep->ramEnd));

    for (i = 0; i < rep->nblocks; i++) {
        const qemuSaveRamBlock *b = &rep->blocks[i];
        json_object *blk = json_object_new_object();

        json_object_object_add(blk, "idstr", json_object_new_string(b->idstr));
        json_object_object_add(blk, "length", json_object_new_uint64(b->usedLength));
        json_object_object_add(blk, "page_size", json_object_new_uint64(b->pageSize));
        json_object_object_add(blk, "header_offset",
                               json_object_new_uint64(b->headerOffset));
        json_object_object_add(blk, "bitmap_offset",
                               json_object_new_uint64(b->bitmapOffset));
        json_object_object_add(blk, "pages_offset",
                               json_object_new_uint64(b->pagesOffset));
        json_object_object_add(blk, "pages_present",
                               json_object_new_uint64(b->pagesPresent));
        json_object_array_add(blocks, blk);
    }
    json_object_object_add(obj, "blocks", blocks);

    return obj;
}


static void
virtsavePrintMappedRam(const qemuSaveMappedRamReport *rep)
{
    size_t i;

    printf(_("Machine type:    %s\n"), rep->machine ? rep->machine : "-");
    printf(_("RAM total:       %llu bytes\n"),
           (unsigned long long) rep->ramTotal);
    printf(_("RAM blocks:      %zu\n"), rep->nblocks);
    for (i = 0; i < rep->nblocks; i++) {
        const qemuSaveRamBlock *b = &rep->blocks[i];

        printf(_("  %-24s length %llu, page size %llu, bitmap at 0x%llx, "
                 "pages at 0x%llx, %llu pages present\n"),
               b->idstr, (unsigned long long) b->usedLength,
               (unsigned long long) b->pageSize,
               (unsigned long long) b->bitmapOffset,
               (unsigned long long) b->pagesOffset,
               (unsigned long long) b->pagesPresent);
    }
}


static json_object *
virtsaveInfoToJSON(const qemuSaveImage *img,
                   size_t xmlLen,
                   size_t cookieLen)
{
    const qemuSaveHeader *hdr = &img->hdr;
    uint64_t offset = qemuSaveImageDataOffset(hdr);
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "file", json_object_new_string(img->path));
    json_object_object_add(obj, "format",
                           json_object_new_string(qemuSaveFormatTypeToString(hdr->format)));
    json_object_object_add(obj, "version", json_object_new_int(hdr->version));
    json_object_object_add(obj, "complete",
                           json_object_new_boolean(qemuSaveImageIsComplete(hdr)));
    json_object_object_add(obj, "was_running",
                           json_object_new_boolean(hdr->wasRunning != 0));
    json_object_object_add(obj, "byte_order",
                           json_object_new_string(img->swapped ? "swapped" : "native"));
    json_object_object_add(obj, "data_len", json_object_new_uint64(hdr->dataLen));
    json_object_object_add(obj, "data_offset", json_object_new_uint64(offset));
    json_object_object_add(obj, "data_offset_aligned",
                           json_object_new_boolean(offset % 4096 == 0));
    json_object_object_add(obj, "xml_size", json_object_new_uint64(xmlLen));
    json_object_object_add(obj, "cookie_size", json_object_new_uint64(cookieLen));
    json_object_object_add(obj, "free_space",
                           json_object_new_uint64(hdr->dataLen - xmlLen - cookieLen));
    json_object_object_add(obj, "file_size", json_object_new_uint64(img->size));
    json_object_object_add(obj, "allocated_size",
                           json_object_new_uint64(img->allocated));
    return obj;
}


static void
virtsavePrintInfo(const qemuSaveImage *img,
                  size_t xmlLen,
                  size_t cookieLen)
{
    const qemuSaveHeader *hdr = &img->hdr;
    uint64_t offset = qemuSaveImageDataOffset(hdr);

    printf(_("File:            %s\n"), img->path);
    printf(_("Format:          %s\n"), qemuSaveFormatTypeToString(hdr->format));
    printf(_("Version:         %u (%s byte order)\n"), hdr->version,
           img->swapped ? _("swapped") : _("native"));
    printf(_("State:           %s\n"),
           qemuSaveImageIsComplete(hdr) ? _("complete") : _("partial"));
    printf(_("Was running:     %s\n"), hdr->wasRunning ? _("yes") : _("no"));
    printf(_("Data offset:     %llu (0x%llx), %s\n"),
           (unsigned long long) offset, (unsigned long long) offset,
           offset % 4096 == 0 ? _("4 KiB aligned") : _("not 4 KiB aligned"));
    printf(_("XML size:        %zu bytes\n"), xmlLen);
    printf(_("Cookie size:     %zu bytes\n"), cookieLen);
    printf(_("Free space:      %llu bytes\n"),
           (unsigned long long) (hdr->dataLen - xmlLen - cookieLen));
    printf(_("File size:       %llu bytes\n"), (unsigned long long) img->size);
    printf(_("Allocated size:  %llu bytes\n"),
           (unsigned long long) img->allocated);
}


/*
 * info describes an image; it fails only when the header or the XML
 * cannot be read. A damaged mapped-ram stream is shown, and judged by
 * verify.
 */
static int
virtsaveImageInfo(const virtsaveCommand *cmd,
                  int argc,
                  char **argv)
{
    g_auto(qemuSaveImage) img = QEMU_SAVE_IMAGE_INIT;
    g_autoptr(qemuSaveMappedRamReport) rep = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) ramErr = NULL;
    gboolean json = FALSE;
    const char *path = NULL;
    size_t xmlLen;
    size_t cookieLen;
    gboolean ramOk = TRUE;
    int ret;

    if ((ret = virtsaveParseFileArgs(cmd, argc, argv, &json, &path)) >= 0)
        return ret;

    /* A failed save can still be inspected. */
    if (!qemuSaveImageOpen(path, QEMU_SAVE_CHECK_ALLOW_PARTIAL, &img,
                           NULL, NULL, &err))
        return virtsaveFail(&img, err, json);

    xmlLen = strlen(img.xml) + 1;
    cookieLen = img.cookie ? strlen(img.cookie) + 1 : 0;

    if (img.hdr.format == QEMU_SAVE_FORMAT_SPARSE)
        ramOk = qemuSaveImageCheckMappedRam(img.fd, &img.hdr, img.size,
                                            &rep, &ramErr);

    if (json) {
        json_object *obj = virtsaveInfoToJSON(&img, xmlLen, cookieLen);

        if (rep)
            json_object_object_add(obj, "mapped_ram",
                                   virtsaveMappedRamToJSON(rep));
        if (!ramOk)
            json_object_object_add(obj, "mapped_ram_error",
                                   json_object_new_string(ramErr->message));
        virtsavePrintJSON(obj);
        json_object_put(obj);
        return VIRTSAVE_EXIT_OK;
    }

    virtsavePrintInfo(&img, xmlLen, cookieLen);
    if (rep)
        virtsavePrintMappedRam(rep);
    if (!ramOk)
        printf(_("RAM blocks:      unreadable: %s\n"), ramErr->message);
    return VIRTSAVE_EXIT_OK;
}


static int
virtsaveImageDumpXML(const virtsaveCommand *cmd,
                     int argc,
                     char **argv)
{
    g_auto(qemuSaveImage) img = QEMU_SAVE_IMAGE_INIT;
    g_autoptr(GError) err = NULL;
    gboolean json = FALSE;
    const char *path = NULL;
    const char *xml;
    const char *cookie;
    int ret;

    if ((ret = virtsaveParseFileArgs(cmd, argc, argv, &json, &path)) >= 0)
        return ret;

    if (!qemuSaveImageOpen(path, QEMU_SAVE_CHECK_ALLOW_PARTIAL, &img,
                           NULL, NULL, &err))
        return virtsaveFail(&img, err, json);
    xml = img.xml;
    cookie = img.cookie;

    if (json) {
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "file", json_object_new_string(path));
        json_object_object_add(obj, "xml", json_object_new_string(xml));
        json_object_object_add(obj, "cookie",
                               cookie ? json_object_new_string(cookie) : NULL);
        virtsavePrintJSON(obj);
        json_object_put(obj);
    } else {
        fputs(xml, stdout);
        if (!g_str_has_suffix(xml, "\n"))
            putchar('\n');
    }

    return VIRTSAVE_EXIT_OK;
}


/* Results of verify, one line per check. */
typedef struct {
    json_object *checks;
    gboolean json;
    int exit;
} virtsaveVerify;


/* A qemuSaveImageCheckFunc: one line, or one JSON object, per check. */
static void
virtsaveVerifyRecord(const char *name,
                     const GError *err,
                     void *opaque)
{
    virtsaveVerify *v = opaque;

    if (err && v->exit != VIRTSAVE_EXIT_IO)
        v->exit = virtsaveExitFor(err);

    if (v->json) {
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "name", json_object_new_string(name));
        json_object_object_add(obj, "ok", json_object_new_boolean(!err));
        if (err)
            json_object_object_add(obj, "error",
                                   json_object_new_string(err->message));
        json_object_array_add(v->checks, obj);
    } else if (!err) {
        printf(_("%-12s ok\n"), name);
    } else {
        printf(_("%-12s FAILED: %s\n"), name, err->message);
    }
}


/* Every check a restore runs, with its settings: qemuSaveImageOpen() and
 * qemuSaveImageVerify() are what the daemon calls. */
static void
virtsaveVerifyImage(virtsaveVerify *v,
                    const char *path)
{
    g_auto(qemuSaveImage) img = QEMU_SAVE_IMAGE_INIT;
    g_autoptr(GError) err = NULL;

    if (qemuSaveImageOpen(path, 0, &img, virtsaveVerifyRecord, v, &err))
        (void) !qemuSaveImageVerify(&img, NULL, virtsaveVerifyRecord, v, &err);
}


static int
virtsaveImageVerify(const virtsaveCommand *cmd,
                    int argc,
                    char **argv)
{
    virtsaveVerify v = { NULL, FALSE, VIRTSAVE_EXIT_OK };
    const char *path = NULL;
    int ret;

    if ((ret = virtsaveParseFileArgs(cmd, argc, argv, &v.json, &path)) >= 0)
        return ret;

    if (v.json)
        v.checks = json_object_new_array();

    virtsaveVerifyImage(&v, path);

    if (v.json) {
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "file", json_object_new_string(path));
        json_object_object_add(obj, "valid",
                               json_object_new_boolean(v.exit == VIRTSAVE_EXIT_OK));
        json_object_object_add(obj, "checks", v.checks);
        json_object_object_add(obj, "note",
                               json_object_new_string(_("guest memory pages carry no checksums and are not checked")));
        virtsavePrintJSON(obj);
        json_object_put(obj);
    } else if (v.exit == VIRTSAVE_EXIT_OK) {
        printf(_("note: guest memory pages carry no checksums and are not checked\n"));
        printf(_("%s: valid\n"), path);
    } else {
        printf(_("%s: INVALID\n"), path);
    }

    return v.exit;
}


static const virtsaveCommand virtsaveCommands[] = {
    { "image", "info", "FILE",
      N_("Show the header, layout and RAM blocks of a save image."),
      virtsaveImageInfo },
    { "image", "dumpxml", "FILE",
      N_("Print the domain XML stored in a save image."),
      virtsaveImageDumpXML },
    { "image", "verify", "FILE",
      N_("Check the structure of a save image without loading it."),
      virtsaveImageVerify },
    { "image", "convert", "SRC DST --format F [--direct]",
      N_("Convert a save image between raw and the compressed formats."),
      virtsaveImageConvert },
};


static void
virtsaveUsage(FILE *out)
{
    size_t i;

    fprintf(out, _("Usage: virtsave [--help | --version]\n"
                   "       virtsave GROUP COMMAND [--json] ARGS...\n\n"
                   "Commands:\n"));
    for (i = 0; i < G_N_ELEMENTS(virtsaveCommands); i++) {
        const virtsaveCommand *c = &virtsaveCommands[i];
        g_autofree char *synopsis = g_strdup_printf("%s %s %s", c->group,
                                                    c->name, c->params);

        fprintf(out, "  %-26s %s\n", synopsis, _(c->summary));
    }
    fprintf(out, _("\nExit status: 0 success, 1 invalid or corrupt image, "
                   "2 usage error, 3 I/O error.\n"));
}


int
main(int argc,
     char **argv)
{
    size_t i;

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    textdomain(GETTEXT_PACKAGE);

    if (argc == 2 && (g_str_equal(argv[1], "--help") ||
                      g_str_equal(argv[1], "-h"))) {
        virtsaveUsage(stdout);
        return VIRTSAVE_EXIT_OK;
    }

    if (argc == 2 && g_str_equal(argv[1], "--version")) {
        printf("virtsave %s\n", PACKAGE_VERSION);
        return VIRTSAVE_EXIT_OK;
    }

    if (argc >= 3) {
        for (i = 0; i < G_N_ELEMENTS(virtsaveCommands); i++) {
            const virtsaveCommand *c = &virtsaveCommands[i];

            if (g_str_equal(argv[1], c->group) &&
                g_str_equal(argv[2], c->name))
                return c->run(c, argc - 2, argv + 2);
        }
        fprintf(stderr, _("virtsave: unknown command '%s %s'\n"),
                argv[1], argv[2]);
    }

    virtsaveUsage(stderr);
    return VIRTSAVE_EXIT_USAGE;
}
