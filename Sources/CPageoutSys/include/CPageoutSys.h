// Fixed-arity wrappers for the system calls pageoutd needs that Swift cannot call directly:
// syscall() and ioctl() are variadic, and Debian 12's kernel headers (6.1) predate cachestat
// (6.5) and PAGEMAP_SCAN (6.7), so their definitions are declared here under #ifndef.
#ifndef CPAGEOUTSYS_H
#define CPAGEOUTSYS_H

#include <errno.h>
#include <malloc.h>
#include <linux/types.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_process_madvise
#define __NR_process_madvise 440
#endif
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

// SEEK_DATA and SEEK_HOLE are hidden behind _GNU_SOURCE in glibc's <unistd.h>.
static const int PAGEOUT_SEEK_DATA = 3;
static const int PAGEOUT_SEEK_HOLE = 4;

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/// struct cachestat_range (include/uapi/linux/mman.h, Linux 6.5).
struct pageout_cachestat_range {
    __u64 off;
    __u64 len;
};

/// struct cachestat (include/uapi/linux/mman.h, Linux 6.5). Counts are in pages.
struct pageout_cachestat {
    __u64 nr_cache;
    __u64 nr_dirty;
    __u64 nr_writeback;
    __u64 nr_evicted;
    __u64 nr_recently_evicted;
};

/// struct page_region (include/uapi/linux/fs.h, Linux 6.7): one run of pages with equal categories.
struct pageout_page_region {
    __u64 start;
    __u64 end;
    __u64 categories;
};

/// struct pm_scan_arg (include/uapi/linux/fs.h, Linux 6.7).
struct pageout_pm_scan_arg {
    __u64 size;
    __u64 flags;
    __u64 start;
    __u64 end;
    __u64 walk_end;
    __u64 vec;
    __u64 vec_len;
    __u64 max_pages;
    __u64 category_inverted;
    __u64 category_mask;
    __u64 category_anyof_mask;
    __u64 return_mask;
};

#define PAGEOUT_PAGEMAP_SCAN _IOWR('f', 16, struct pageout_pm_scan_arg)

/// PAGEMAP_SCAN categories (include/uapi/linux/fs.h).
enum {
    PAGEOUT_PAGE_IS_WPALLOWED = 1 << 0,
    PAGEOUT_PAGE_IS_WRITTEN = 1 << 1,
    PAGEOUT_PAGE_IS_FILE = 1 << 2,
    PAGEOUT_PAGE_IS_PRESENT = 1 << 3,
    PAGEOUT_PAGE_IS_SWAPPED = 1 << 4,
    PAGEOUT_PAGE_IS_PFNZERO = 1 << 5,
    PAGEOUT_PAGE_IS_HUGE = 1 << 6,
    PAGEOUT_PAGE_IS_SOFT_DIRTY = 1 << 7,
};

/// glibc declares memfd_create only under _GNU_SOURCE, which Swift's Glibc module does not define.
extern int memfd_create(const char *name, unsigned int flags);

/// MFD_CLOEXEC from <linux/memfd.h>.
#define PAGEOUT_MFD_CLOEXEC 0x0001U

static inline int pageout_memfd_create(const char *name, unsigned int flags) {
    return memfd_create(name, flags);
}

static inline int pageout_pidfd_open(pid_t pid, unsigned int flags) {
    return (int)syscall(__NR_pidfd_open, pid, flags);
}

static inline int pageout_pidfd_send_signal(int pidfd, int sig, unsigned int flags) {
    return (int)syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, flags);
}

static inline ssize_t pageout_process_madvise(int pidfd, const struct iovec *iov, size_t vlen, int advice,
                                              unsigned int flags) {
    return (ssize_t)syscall(__NR_process_madvise, pidfd, iov, vlen, advice, flags);
}

/// getdents64(2): the entries of directory `fd` from where it stands into `buffer`, as struct linux_dirent64
/// records; glibc wraps it only behind _GNU_SOURCE, which the Swift module does not see.
static inline ssize_t pageout_getdents64(int fd, void *buffer, size_t length) {
    return (ssize_t)syscall(__NR_getdents64, fd, buffer, length);
}

static inline int pageout_cachestat(int fd, struct pageout_cachestat_range *range, struct pageout_cachestat *cstat,
                                    unsigned int flags) {
    return (int)syscall(__NR_cachestat, fd, range, cstat, flags);
}

static inline long pageout_pagemap_scan(int pagemap_fd, struct pageout_pm_scan_arg *arg) {
    return ioctl(pagemap_fd, PAGEOUT_PAGEMAP_SCAN, arg);
}

/// glibc declares this only under _GNU_SOURCE.
extern int pthread_setname_np(pthread_t thread, const char *name);

/// Returns the free pages of every malloc arena to the kernel (glibc).
static inline int pageout_malloc_trim(void) {
    return malloc_trim(0);
}

/// Names the calling thread (/proc/self/task/TID/comm): at most 15 bytes, or ERANGE.
static inline int pageout_set_thread_name(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}

static inline int pageout_errno(void) {
    return errno;
}

/// glibc >= 2.32 declares this only under _GNU_SOURCE; returns "ESRCH" for ESRCH, NULL if unknown.
extern const char *strerrorname_np(int errnum);

static inline const char *pageout_errno_name(int errnum) {
    return strerrorname_np(errnum);
}

#endif
