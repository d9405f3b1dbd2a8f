/*
 * The guest's workload for scripts/qemu-test.sh, run as the init of a tiny initramfs.
 *
 * Usage: workload SIZE_MIB HOT_PERCENT DEVICE [USED_MIB]
 *
 * With USED_MIB, first writes that much memory with non-zero data and frees it: the guest's RAM has then been
 * used, as a long-running guest's has, rather than never written (a hole in the memfd, which a migration reads
 * as fast as it can check it for zeroes).
 *
 * Writes a known pattern to SIZE_MIB of anonymous memory, then keeps the first HOT_PERCENT of it hot: every pass
 * reads and rewrites one word of each hot page. Once a second it reports on DEVICE (a serial port) the passes of
 * that second and the slowest of them:
 *     PASS n=<passes> worst_us=<slowest pass> median_us=<median pass>
 * A line "VERIFY" read from DEVICE checks the whole pattern (hot and cold pages) and answers
 *     VERIFY pages=<checked> bad=<pages differing> ms=<time taken>
 * A line "WARM <mib>" makes the next <mib> MiB after the hot set hot too (the guest starts using cold memory),
 * and says where they are in guest-physical memory (from /proc/self/pagemap: the init is root), as runs of page
 * frames, so that the host can tell whether exactly those pages stay resident:
 *     WARM hot_pages=<hot pages now> frames=<first frame>+<count>,...
 * The first line is "READY pages=<n> fill_ms=<time to write the pattern>".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define WORDS (PAGE / sizeof(uint64_t))

/* The pattern's word `w` of page `p`: a mix both of them, so a page swapped for another one shows. */
static uint64_t pattern(uint64_t p, uint64_t w) {
    uint64_t x = (p << 9 | w) * 0x9E3779B97F4A7C15ull;
    return (x ^ (x >> 29)) & 0x00FF00FF00FF00FFull; /* half the bytes zero: compresses like real data */
}

static uint64_t now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

/* Writes " frames=" and the runs of guest page frames backing pages [from, to) of `mem` to `out`. */
static void print_frames(FILE *out, const uint64_t *mem, size_t from, size_t to) {
    int pagemap = open("/proc/self/pagemap", O_RDONLY);
    if (pagemap < 0) { perror("/proc/self/pagemap"); return; }
    fputs(" frames=", out);
    uint64_t run_start = 0, run_count = 0;
    const char *separator = "";
    for (size_t p = from; p <= to; p++) {
        uint64_t entry = 0, frame = 0;
        if (p < to) {
            off_t at = (off_t)((uintptr_t)&mem[p * WORDS] / PAGE * sizeof entry);
            if (pread(pagemap, &entry, sizeof entry, at) != (ssize_t)sizeof entry) entry = 0;
            frame = entry & ((1ull << 55) - 1);
        }
        /* A page that is not present (or a frame hidden from us) ends the run and is left out. */
        int present = p < to && (entry >> 63) && frame != 0;
        if (present && run_count > 0 && frame == run_start + run_count) {
            run_count++;
            continue;
        }
        if (run_count > 0) {
            fprintf(out, "%s%llu+%llu", separator, (unsigned long long)run_start, (unsigned long long)run_count);
            separator = ",";
        }
        run_start = frame;
        run_count = present ? 1 : 0;
    }
    close(pagemap);
}

static int compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: workload SIZE_MIB HOT_PERCENT DEVICE [USED_MIB]\n");
        return 2;
    }

    size_t pages = (size_t)atol(argv[1]) * (1u << 20) / PAGE;
    size_t hot = pages * (size_t)atol(argv[2]) / 100;
    int fd = open(argv[3], O_RDWR | O_NOCTTY);
    if (fd < 0) { perror(argv[3]); return 1; }
    struct termios tio;
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        cfsetspeed(&tio, B115200);
        tcsetattr(fd, TCSANOW, &tio);
    }
    FILE *out = fdopen(dup(fd), "w");
    setvbuf(out, NULL, _IOLBF, 0);

    uint64_t *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                         -1, 0);
    if (mem == MAP_FAILED) { perror("mmap"); return 1; }
    uint64_t start = now_us();
    for (size_t p = 0; p < pages; p++)
        for (size_t w = 0; w < WORDS; w++) mem[p * WORDS + w] = pattern(p, w);
    /* After the workload's memory is taken, so that the guest kernel hands out other pages for it. */
    size_t used_bytes = argc == 5 ? (size_t)atol(argv[4]) << 20 : 0;
    if (used_bytes > 0) {
        unsigned char *scratch = mmap(NULL, used_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (scratch == MAP_FAILED) { perror("mmap (used)"); return 1; }
        memset(scratch, 0x5a, used_bytes);
        munmap(scratch, used_bytes);
    }
    fprintf(out, "READY pages=%zu fill_ms=%llu\n", pages, (unsigned long long)((now_us() - start) / 1000));

    static uint64_t passes[1 << 16];
    size_t count = 0;
    uint64_t second = now_us();
    char line[64];
    size_t used = 0;
    for (;;) {
        uint64_t begin = now_us();
        for (size_t p = 0; p < hot; p++) {
            volatile uint64_t *word = &mem[p * WORDS + (p & (WORDS - 1))];
            *word = *word; /* read and write: the page stays hot and dirty */
        }
        uint64_t end = now_us();
        if (count < sizeof passes / sizeof passes[0]) passes[count++] = end - begin;
        if (end - second >= 1000000u) {
            qsort(passes, count, sizeof passes[0], compare);
            fprintf(out, "PASS n=%zu worst_us=%llu median_us=%llu\n", count,
                    (unsigned long long)passes[count - 1], (unsigned long long)passes[count / 2]);
            count = 0;
            second = end;
        }
        struct pollfd request = {.fd = fd, .events = POLLIN};
        if (poll(&request, 1, 0) <= 0) continue;
        ssize_t n = read(fd, line + used, sizeof line - 1 - used);
        if (n <= 0) continue;
        used += (size_t)n;
        line[used] = 0;
        char *newline = strchr(line, '\n');
        if (!newline && used < sizeof line - 1) continue;
        if (strncmp(line, "WARM ", 5) == 0) {
            size_t more = (size_t)atol(line + 5) * (1u << 20) / PAGE;
            size_t before = hot;
            hot = hot + more < pages ? hot + more : pages;
            fprintf(out, "WARM hot_pages=%zu", hot);
            print_frames(out, mem, before, hot);
            fputc('\n', out);
        } else if (strncmp(line, "VERIFY", 6) == 0) {
            uint64_t vstart = now_us();
            size_t bad = 0;
            for (size_t p = 0; p < pages; p++) {
                for (size_t w = 0; w < WORDS; w++) {
                    if (mem[p * WORDS + w] != pattern(p, w)) { bad++; break; }
                }
            }
            fprintf(out, "VERIFY pages=%zu bad=%zu ms=%llu\n", pages, bad,
                    (unsigned long long)((now_us() - vstart) / 1000));
            second = now_us();
            count = 0;
        }
        used = 0;
    }
}
