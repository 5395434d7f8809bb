/*
 * vslog.h: leveled logging with per-module filters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

typedef enum {
    VS_LOG_DEBUG = 1,
    VS_LOG_INFO,
    VS_LOG_WARN,
    VS_LOG_ERROR,
} vsLogPriority;

/* One per .c file: names the module that filters match against. */
#define VS_LOG_INIT(name) \
    static const char *const vsLogModule G_GNUC_UNUSED = name

#define VS_LOG(prio, ...) \
    do { \
        if (vsLogEnabled(vsLogModule, prio)) \
            vsLogMessage(vsLogModule, prio, __func__, __LINE__, __VA_ARGS__); \
    } while (0)

#define VS_DEBUG(...) VS_LOG(VS_LOG_DEBUG, __VA_ARGS__)
#define VS_INFO(...) VS_LOG(VS_LOG_INFO, __VA_ARGS__)
#define VS_WARN(...) VS_LOG(VS_LOG_WARN, __VA_ARGS__)
#define VS_ERROR(...) VS_LOG(VS_LOG_ERROR, __VA_ARGS__)

gboolean vsLogEnabled(const char *module, vsLogPriority prio);

void vsLogMessage(const char *module,
                  vsLogPriority prio,
                  const char *func,
                  int line,
                  const char *fmt,
                  ...) G_GNUC_PRINTF(5, 6);

gboolean vsLogSetDefaultPriority(const char *level, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsLogSetFilters(const char *filters, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsLogSetOutputFile(const char *path, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void vsLogSetOutputFd(int fd);
int vsLogParsePriority(const char *level);
void vsLogReset(void);
