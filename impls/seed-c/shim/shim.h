/*
 * seed-c: the shim's interface to the front-end (main.c). Plain C types
 * only: main.c is user-space code and never sees the kernel shim headers.
 */
#ifndef SEED_C_SHIM_H
#define SEED_C_SHIM_H
#include <stddef.h>
#include <stdint.h>

/* The seed's two syscalls, compiled from golden/recipe/port/checkpoint/sys.c. */
long sys_checkpoint(int pid, int fd, unsigned long flags);
long sys_restart(int crid, int fd, unsigned long flags);

/* Never-written kmalloc and page bytes: "zero", "pattern", "random" or "random:SEED". */
int shim_set_fill(const char *spec);
const char *shim_fill_name(void);
/* Targeted contents over the fill, for the call's never-written memory: "" (none) or items
 * REGION@OFFSET=HEX joined by commas, REGION page (the scratch pages), kmalloc (a non-zeroed
 * kmalloc block) or stackN (the N-th header read of the call, 0 first: cr_read_obj_type's
 * `struct cr_hdr h`), OFFSET decimal, HEX the bytes from there on. Returns -1 on a bad spec. */
int shim_set_fill_at(const char *spec);
/* I/O knobs: at most chunk bytes per transfer (0: no limit); eagain transfers return -EAGAIN
 * before each real one (1: every other transfer). */
void shim_set_io(size_t chunk, unsigned eagain);
/* From file position at on, transfers fail with -err (err 0: never): count of them, then the
 * file works again (0: every one); while it fails, a transfer that would go past at moves only
 * up to it. */
void shim_set_io_error(long long at, int err, unsigned count);
/* At file position at (at < 0: never), count transfers move nothing and return 0 (0: every
 * one), then the file works again; while they last, a transfer that would go past at moves only
 * up to it. */
void shim_set_io_zero(long long at, unsigned count);

/* The calling task, each field as the request gives it (the value stored in the image). */
struct shim_task_in {
	uint64_t state, exit_state, exit_code, exit_signal;
	uint64_t utime, stime, utimescaled, stimescaled, gtime, prev_utime, prev_stime;
	uint64_t nvcsw, nivcsw, start_time_sec, start_time_nsec;
	uint64_t real_start_time_sec, real_start_time_nsec, min_flt, maj_flt;
	uint8_t comm[16];
};

/* SHIM_FILE_READ_NO_METHOD / SHIM_FILE_WRITE_NO_METHOD: open for reading (writing) but without a
 * read (write) method, as an epoll descriptor: FMODE_READ (FMODE_WRITE) without FMODE_CAN_*. */
enum shim_file_mode {
	SHIM_FILE_NONE,
	SHIM_FILE_READ,
	SHIM_FILE_WRITE,
	SHIM_FILE_READ_NO_METHOD,
	SHIM_FILE_WRITE_NO_METHOD,
};

/* Starts a call: clears the task, the descriptor table and the counters of the previous one. */
void shim_begin(unsigned major, unsigned minor, unsigned patch, uint32_t counter);
void shim_set_time(uint64_t sec);
void shim_set_uts(const uint8_t release[64], const uint8_t version[64], const uint8_t machine[64]);
void shim_set_task(const struct shim_task_in *t);
void shim_set_comm(const uint8_t comm[16]);
void shim_get_comm(uint8_t comm[16]);
/* Opens the in-memory file (content data[0..len), position 0) and returns its descriptor;
 * SHIM_FILE_NONE installs nothing (fget on the returned descriptor fails). */
int shim_open_file(enum shim_file_mode mode, const uint8_t *data, size_t len);
const uint8_t *shim_file_content(size_t *len);
uint64_t shim_file_pos(void);
uint32_t shim_counter(void);

/* What the call left behind (checked by the front-end's self-test, logged with SEED_C_VERBOSE). */
struct shim_stats {
	long kmalloc_live;  /* kmalloc'd and not kfree'd */
	long pages_live;    /* __get_free_pages not freed */
	long file_refs;     /* references held on the file beyond the descriptor table's */
	long path_refs;     /* path_get without path_put */
	long printks;       /* pr_warn and friends */
};
void shim_stats(struct shim_stats *s);
#endif
