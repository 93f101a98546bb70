/* io.h -- the system calls the journal writer makes, as a replaceable table.
 *
 * Every write, sync, truncate and segment creation of the append path goes
 * through a struct jrn_io, like SQLite's VFS: tests pass their own table in
 * jrn_opts.io to fail the Nth write or fdatasync, return short writes or
 * simulate a full disk, then check that no acknowledged record is lost or
 * duplicated.  Each member has the contract of the system call it names
 * (return -1 with errno set on failure). */
#ifndef DA_JOURNAL_IO_H
#define DA_JOURNAL_IO_H

#include <sys/types.h>

struct jrn_io {
	ssize_t	(*write)(int fd, const void *buf, size_t n);
	int	(*fdatasync)(int fd);
	int	(*fsync)(int fd);	/* the directory, after creating a file */
	int	(*ftruncate)(int fd, off_t len);
	int	(*openat)(int dirfd, const char *name, int flags, mode_t mode);
};

/* The real system calls. */
extern const struct jrn_io jrn_io_default;

#endif
