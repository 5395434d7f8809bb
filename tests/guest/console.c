/*
 * console.c: COM1 output and a minimal formatter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Called from ring 3, which may touch the UART ports directly because the
 * guest runs there with IOPL=3. The UART is polled; no interrupts.
 */

#include "guest.h"

#define COM1 0x3f8
#define UART_THR 0  /* transmit holding register */
#define UART_DLL 0  /* divisor latch, low byte (DLAB=1) */
#define UART_IER 1  /* interrupt enable */
#define UART_DLM 1  /* divisor latch, high byte (DLAB=1) */
#define UART_FCR 2  /* FIFO control */
#define UART_LCR 3  /* line control */
#define UART_MCR 4  /* modem control */
#define UART_LSR 5  /* line status */

#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_LSR_THRE 0x20

#define GUEST_LINE_MAX 160


/**
 * guestSerialInit:
 *
 * Program COM1 for 115200 baud, 8 data bits, no parity, one stop bit,
 * FIFOs on, no interrupts.
 */
void
guestSerialInit(void)
{
    guestOutb(COM1 + UART_IER, 0x00);
    guestOutb(COM1 + UART_LCR, UART_LCR_DLAB);
    /* 115200 = 1843200 / 16 / 1 */
    guestOutb(COM1 + UART_DLL, 0x01);
    guestOutb(COM1 + UART_DLM, 0x00);
    guestOutb(COM1 + UART_LCR, UART_LCR_8N1);
    /* enable and clear both FIFOs */
    guestOutb(COM1 + UART_FCR, 0x07);
    /* DTR and RTS */
    guestOutb(COM1 + UART_MCR, 0x03);
}


static void
guestSerialPut(char c)
{
    uint32_t tries = 0;

    /* a missing UART reads as 0xff, which also has THRE set */
    while (!(guestInb(COM1 + UART_LSR) & UART_LSR_THRE) && tries++ < 100000)
        ;
    guestOutb(COM1 + UART_THR, (uint8_t)c);
}


typedef struct _guestLine guestLine;
struct _guestLine {
    char buf[GUEST_LINE_MAX];
    uint32_t len;
};


static void
guestLineAdd(guestLine *line, char c)
{
    if (line->len < GUEST_LINE_MAX)
        line->buf[line->len++] = c;
}


static void
guestLineAddNumber(guestLine *line,
                   uint32_t val,
                   uint32_t base,
                   uint32_t width,
                   char pad)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[32];
    uint32_t n = 0;

    do {
        tmp[n++] = digits[val % base];
        val /= base;
    } while (val);

    while (width > n) {
        guestLineAdd(line, pad);
        width--;
    }
    while (n)
        guestLineAdd(line, tmp[--n]);
}


static void
guestLineFormat(guestLine *line, const char *fmt, va_list ap)
{
    const char *s;

    for (; *fmt; fmt++) {
        uint32_t width = 0;
        char pad = ' ';

        if (*fmt != '%') {
            guestLineAdd(line, *fmt);
            continue;
        }
        fmt++;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (uint32_t)(*fmt++ - '0');

        switch (*fmt) {
        case 'u':
            guestLineAddNumber(line, va_arg(ap, unsigned int), 10, width, pad);
            break;
        case 'x':
            guestLineAddNumber(line, va_arg(ap, unsigned int), 16, width, pad);
            break;
        case 's':
            for (s = va_arg(ap, const char *); *s; s++)
                guestLineAdd(line, *s);
            break;
        case '%':
            guestLineAdd(line, '%');
            break;
        default:
            /* unknown conversion or a lone '%' at the end: print it raw */
            guestLineAdd(line, '%');
            if (!*fmt)
                return;
            guestLineAdd(line, *fmt);
            break;
        }
    }
}


/**
 * guestPrintf:
 * @fmt: format with %u, %x, %s and zero-padded widths only
 *
 * Format one message and write all of it to COM1. Output longer than the
 * line buffer is cut, but a '\n' that ends @fmt is always written.
 */
void
guestPrintf(const char *fmt, ...)
{
    guestLine line;
    va_list ap;
    uint32_t i;

    /* no initialiser: it would zero the buffer through a memset() call */
    line.len = 0;
    va_start(ap, fmt);
    guestLineFormat(&line, fmt, ap);
    va_end(ap);

    if (line.len == GUEST_LINE_MAX && line.buf[GUEST_LINE_MAX - 1] != '\n')
        line.buf[GUEST_LINE_MAX - 1] = '\n';

    for (i = 0; i < line.len; i++)
        guestSerialPut(line.buf[i]);
}
