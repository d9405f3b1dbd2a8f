// A FUSE file system whose files answer what a hostile file server may: the kernel passes a FUSE server's
// getattr and lseek answers on to fstat(2) and lseek(2) unchecked (vfs_setpos only refuses offsets past
// s_maxbytes), so a VMM's owner who maps such a file hands pageoutd any numbers.
//
//   huge-blocks     1 MiB whose fstat says st_blocks = 2^56 (2^65 bytes allocated: overflows a 64-bit product)
//   seek-backwards  SEEK_DATA from any offset past 0 answers 0
//   seek-stuck      SEEK_HOLE from data answers the data's own offset (an empty extent, no progress)
//
// Usage: hostile_fuse MOUNTPOINT (runs in the foreground, single-threaded, until unmounted or signalled).
#define _GNU_SOURCE
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const off_t file_size = 1 << 20;
static const char *names[] = {"huge-blocks", "seek-backwards", "seek-stuck"};
enum { huge_blocks, seek_backwards, seek_stuck, file_count };

static int file_index(const char *path) {
    for (int index = 0; index < file_count; index++) {
        if (path[0] == '/' && strcmp(path + 1, names[index]) == 0) return index;
    }
    return -1;
}

static int hostile_getattr(const char *path, struct stat *status, struct fuse_file_info *info) {
    (void)info;
    memset(status, 0, sizeof *status);
    if (strcmp(path, "/") == 0) {
        status->st_mode = S_IFDIR | 0755;
        status->st_nlink = 2;
        return 0;
    }
    int index = file_index(path);
    if (index < 0) return -ENOENT;
    status->st_mode = S_IFREG | 0644;
    status->st_nlink = 1;
    status->st_size = file_size;
    status->st_blocks = index == huge_blocks ? (blkcnt_t)1 << 56 : file_size / 1024;
    return 0;
}

static int hostile_readdir(const char *path, void *buffer, fuse_fill_dir_t fill, off_t offset,
                           struct fuse_file_info *info, enum fuse_readdir_flags flags) {
    (void)offset, (void)info, (void)flags;
    if (strcmp(path, "/") != 0) return -ENOENT;
    fill(buffer, ".", NULL, 0, 0);
    fill(buffer, "..", NULL, 0, 0);
    for (int index = 0; index < file_count; index++) fill(buffer, names[index], NULL, 0, 0);
    return 0;
}

static int hostile_open(const char *path, struct fuse_file_info *info) {
    if (file_index(path) < 0) return -ENOENT;
    // Page-cache I/O (no direct_io), so the file can be mapped MAP_SHARED.
    info->keep_cache = 1;
    return 0;
}

static int hostile_read(const char *path, char *buffer, size_t size, off_t offset, struct fuse_file_info *info) {
    (void)path, (void)info;
    if (offset >= file_size) return 0;
    if ((off_t)size > file_size - offset) size = (size_t)(file_size - offset);
    memset(buffer, 0x5a, size);
    return (int)size;
}

static off_t hostile_lseek(const char *path, off_t offset, int whence, struct fuse_file_info *info) {
    (void)info;
    int index = file_index(path);
    if (index < 0) return -ENOENT;
    if (offset >= file_size) return -ENXIO;
    if (whence == SEEK_DATA) return index == seek_backwards && offset > 0 ? 0 : offset;
    if (whence == SEEK_HOLE) {
        if (index == seek_stuck) return offset;
        // Data extents of one page each, so a walk asks again from the next page.
        return (offset / 4096 + 1) * 4096;
    }
    return -EINVAL;
}

static const struct fuse_operations operations = {
    .getattr = hostile_getattr,
    .readdir = hostile_readdir,
    .open = hostile_open,
    .read = hostile_read,
    .lseek = hostile_lseek,
};

int main(int argc, char *argv[]) {
    if (argc != 2) {
        fprintf(stderr, "usage: hostile_fuse MOUNTPOINT\n");
        return 2;
    }
    char *arguments[] = {argv[0], "-f", "-s", "-o", "fsname=hostile", argv[1], NULL};
    return fuse_main(6, arguments, &operations, NULL);
}
