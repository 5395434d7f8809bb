/*
 * fuzzdriver.c: run a fuzz target without libFuzzer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: fuzzdriver [--seconds N] [--seed S] CORPUS_DIR_OR_FILE...
 *
 * Replays every corpus file, then mutates random corpus entries for N
 * seconds (bit flips, random bytes, interesting integers in both byte
 * orders, truncation, duplicated chunks). The mutations depend only on
 * the seed, which is printed, so a failure can be replayed exactly.
 * Prints TAP.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"

#define FUZZ_MAX_INPUT (1024 * 1024)


static void
fuzzAddPath(GPtrArray *corpus,
            const char *path)
{
    g_autoptr(GError) err = NULL;
    GBytes *bytes;
    char *data = NULL;
    gsize len = 0;

    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_autoptr(GDir) dir = g_dir_open(path, 0, &err);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *name;
        guint i;

        g_assert_no_error(err);
        while ((name = g_dir_read_name(dir)))
            g_ptr_array_add(names, g_build_filename(path, name, NULL));
        /* Directory order differs between file systems; seeds must not. */
        g_ptr_array_sort(names, (GCompareFunc) g_strcmp0);
        for (i = 0; i < names->len; i++)
            fuzzAddPath(corpus, g_ptr_array_index(names, i));
        return;
    }

    if (!g_file_get_contents(path, &data, &len, &err)) {
        g_printerr("fuzzdriver: %s\n", err->message);
        return;
    }
    bytes = g_bytes_new_take(data, len);
    g_ptr_array_add(corpus, bytes);
}


static void
fuzzPutInt(guint8 *buf,
           gsize len,
           GRand *rand)
{
    static const guint64 values[] = {
        0, 1, 2, 3, 7, 0x7f, 0x80, 0xff, 0x1000, 0xffff, 0x10000,
        0x100000, 0x7fffffff, 0x80000000, 0xffffffff,
        G_GUINT64_CONSTANT(0x100000000), G_GUINT64_CONSTANT(0x7fffffffffffffff),
        G_MAXUINT64,
    };
    guint64 v = values[g_rand_int_range(rand, 0, G_N_ELEMENTS(values))];
    gsize width = g_rand_boolean(rand) ? 4 : 8;
    gsize off;
    gsize i;

    if (len < width)
        return;
    off = g_rand_int_range(rand, 0, len - width + 1);
    if (g_rand_int_range(rand, 0, 4) == 0)
        v += g_rand_int_range(rand, -2, 3);
    for (i = 0; i < width; i++) {
        gsize shift = g_rand_boolean(rand) ? i : width - 1 - i;

        buf[off + i] = (guint8) (v >> (8 * shift));
    }
}


/* Apply one random change to @input (a GByteArray). */
static void
fuzzMutate(GByteArray *input,
           GRand *rand)
{
    gsize len = input->len;
    gsize off = len ? g_rand_int_range(rand, 0, len) : 0;

    switch (g_rand_int_range(rand, 0, 6)) {
    case 0:
        if (len)
            input->data[off] ^= 1 << g_rand_int_range(rand, 0, 8);
        break;
    case 1:
        if (len)
            input->data[off] = g_rand_int_range(rand, 0, 256);
        break;
    case 2:
        fuzzPutInt(input->data, len, rand);
        break;
    case 3:
        g_byte_array_set_size(input, off);
        break;
    case 4:
        if (len && len < FUZZ_MAX_INPUT / 2) {
            gsize n = g_rand_int_range(rand, 1, MIN(len - off, 256) + 1);
            g_autofree guint8 *chunk = g_memdup2(input->data + off, n);

            g_byte_array_append(input, chunk, n);
        }
        break;
    default:
        /* Small integers near the start hit the header fields. */
        if (len > 92)
            fuzzPutInt(input->data, 92, rand);
        break;
    }
}


int
main(int argc,
     char **argv)
{
    g_autoptr(GPtrArray) corpus = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    g_autoptr(GOptionContext) ctx = g_option_context_new("CORPUS...");
    g_autoptr(GError) err = NULL;
    g_autoptr(GRand) rand = NULL;
    g_autoptr(GTimer) timer = g_timer_new();
    gint seconds = 10;
    gint64 seed = 0;
    guint64 runs = 0;
    GOptionEntry entries[] = {
        { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds,
          "How long to mutate", "N" },
        { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
          "Random seed (default: from the clock)", "S" },
        { NULL },
    };
    int i;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_printerr("fuzzdriver: %s\n", err->message);
        return 2;
    }
    for (i = 1; i < argc; i++)
        fuzzAddPath(corpus, argv[i]);
    if (corpus->len == 0) {
        g_printerr("fuzzdriver: empty corpus\n");
        return 2;
    }
    if (seed == 0)
        seed = g_get_real_time();
    rand = g_rand_new_with_seed((guint32) seed);

    printf("1..2\n");
    for (i = 0; i < (int) corpus->len; i++) {
        gsize len;
        const guint8 *data = g_bytes_get_data(g_ptr_array_index(corpus, i),
                                              &len);

        LLVMFuzzerTestOneInput(data, len);
    }
    printf("ok 1 - replayed %u corpus files\n", corpus->len);
    fflush(stdout);

    printf("# seed %" G_GINT64_FORMAT "\n", seed);
    while (g_timer_elapsed(timer, NULL) < seconds) {
        GBytes *base = g_ptr_array_index(corpus,
                                         g_rand_int_range(rand, 0, corpus->len));
        g_autoptr(GByteArray) input = g_bytes_unref_to_array(g_bytes_ref(base));
        int n = g_rand_int_range(rand, 1, 9);

        while (n--)
            fuzzMutate(input, rand);
        LLVMFuzzerTestOneInput(input->data, input->len);
        runs++;
    }
    printf("ok 2 - %" G_GUINT64_FORMAT " mutated inputs in %d s\n",
           runs, seconds);

    return 0;
}
