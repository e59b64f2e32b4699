/*
 * seed-c shim: the kernel services the crconform port of the 2008 seed
 * (golden/recipe/port/checkpoint/{sys,checkpoint,restart}.c) uses, in user
 * space, so that those files compile unmodified into a testee.
 *
 * What it models:
 * - the calling task (`current`): the TASK fields checkpoint.c reads and
 *   comm, set from the request (types and units: see include/linux/sched.h,
 *   jiffies.h, shim_time.h); its fs->root for path_get/path_put (counted);
 * - utsname() and the wall clock (ktime_get_real_seconds) from the request;
 *   LINUX_VERSION_CODE is a run-time value from the request's version;
 * - one descriptor table with at most one file, an in-memory file with a
 *   position: fget (NULL when nothing is installed: bad fd), get_file, fput
 *   (reference counts kept, so the seed's leaked reference is visible),
 *   kernel_read/kernel_write at *pos with the kernel's own mode checks;
 *   optionally short transfers and -EAGAIN (SEED_C_IO_CHUNK, SEED_C_IO_EAGAIN);
 * - kmalloc (kmalloc(0) is ZERO_SIZE_PTR, as SLUB), kzalloc, kfree,
 *   __get_free_pages/free_pages, with a selectable content for bytes the
 *   port never writes (SEED_C_FILL or --fill): `zero`, `pattern` (byte at
 *   address a is 0xa5 ^ (a & 0xff): pages start 0xa5 0xa4 0xa7 ...),
 *   `random` (xorshift64*, seeded by SEED_C_SEED or `random:SEED`, default
 *   1); every allocation is filled afresh, so no call sees an earlier call's
 *   bytes; over the fill, targeted bytes (shim_set_fill_at, seed-c's
 *   --fill-at): at offsets of the scratch pages, of a non-zeroed kmalloc
 *   block, or of the N-th header read's stack header (see kernel_read);
 * - atomic_inc_return on the port's global counter (sys.c's static
 *   cr_ctx_count): the request's counter is loaded into it at the first
 *   increment of a call, then it wraps like an int;
 * - BUG_ON aborts (the harness sees a crash); pr_warn is counted (printed
 *   to stderr with SEED_C_VERBOSE).
 *
 * What it does not model:
 * - the kernel stack: the port's uninitialised locals (cr_read_obj_type's
 *   header) hold whatever this process's stack held, or what the compiler's
 *   -ftrivial-auto-var-init puts there (build.sh passes it through), except
 *   the bytes a targeted stack fill names;
 * - allocation failure (kzalloc, __get_free_pages and kmalloc never return
 *   NULL here for the sizes the port asks), so the -ENOMEM paths are not run;
 * - concurrency, preemption, signals, user copies, the syscall entry's
 *   register-width argument conversion (callers pass the declared types);
 * - real file systems, pipes, /dev/null (kernel_write refusing f_ops
 *   without write_iter) and partial writes other than the knobs above;
 * - 6.1's task_struct types where they cannot hold a seed task: the shim
 *   task has a long state (6.1: unsigned int), ticks for cputimes (6.1: ns),
 *   (sec, nsec) start times (6.1: u64 ns) and explicit scaled times;
 *   TASK_DEAD is the seed's 64, not 6.1's 0x80.
 */
#include <linux/sched.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/utsname.h>
#include <linux/version.h>
#include <linux/timekeeping.h>
#include <linux/path.h>
#include <linux/printk.h>
#include <linux/bug.h>
#include <linux/atomic.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

/* ---- the environment of a call ---- */

unsigned int shim_version_code;
struct new_utsname shim_uts;
struct task_struct shim_task;
static struct fs_struct shim_fs;
static time64_t shim_now;

static uint32_t counter_value;   /* the global counter as the front-end sees it */
static int counter_preset;       /* load counter_value into the port's atomic_t at first use */

static struct shim_stats stats;

/* ---- never-written memory ---- */

enum fill { FILL_ZERO, FILL_PATTERN, FILL_RANDOM };
static enum fill fill_mode = FILL_ZERO;
static uint64_t rng_state = 1;

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	     : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int shim_set_fill(const char *spec)
{
	if (strcmp(spec, "zero") == 0) {
		fill_mode = FILL_ZERO;
	} else if (strcmp(spec, "pattern") == 0) {
		fill_mode = FILL_PATTERN;
	} else if (strncmp(spec, "random", 6) == 0 && (spec[6] == '\0' || spec[6] == ':')) {
		const char *seed = spec[6] ? spec + 7 : getenv("SEED_C_SEED");
		char *end = NULL;
		fill_mode = FILL_RANDOM;
		rng_state = seed && *seed ? strtoull(seed, &end, 0) : 1;
		if (end && *end)
			return -1;
		if (rng_state == 0)
			rng_state = 0x9e3779b97f4a7c15ull; /* xorshift needs a non-zero state */
	} else {
		return -1;
	}
	return 0;
}

const char *shim_fill_name(void)
{
	return fill_mode == FILL_ZERO ? "zero" : fill_mode == FILL_PATTERN ? "pattern" : "random";
}

static uint8_t rng_byte(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint8_t)((rng_state * 0x2545f4914f6cdd1dull) >> 56);
}

/* Targeted contents (shim_set_fill_at): bytes at offsets of a region, applied over the fill. */
enum region { REGION_PAGE, REGION_KMALLOC, REGION_STACK };
#define FILL_AT_MAX 1024
static struct fill_at {
	enum region region;
	unsigned index;  /* REGION_STACK: which header read of the call (0 = the first) */
	size_t off;
	uint8_t byte;
} fill_at[FILL_AT_MAX];
static unsigned fill_at_n;
static int fill_at_stack;  /* some entry is for the stack */

int shim_set_fill_at(const char *spec)
{
	const char *p = spec;

	fill_at_n = 0;
	fill_at_stack = 0;
	while (p && *p) {
		struct fill_at e = { 0 };
		char *end;
		size_t off;

		if (strncmp(p, "page@", 5) == 0) {
			e.region = REGION_PAGE;
			p += 5;
		} else if (strncmp(p, "kmalloc@", 8) == 0) {
			e.region = REGION_KMALLOC;
			p += 8;
		} else if (strncmp(p, "stack", 5) == 0 && p[5] >= '0' && p[5] <= '9') {
			e.region = REGION_STACK;
			e.index = (unsigned)strtoul(p + 5, &end, 10);
			if (*end != '@')
				return -1;
			p = end + 1;
		} else {
			return -1;
		}
		if (*p < '0' || *p > '9')
			return -1;
		off = (size_t)strtoul(p, &end, 10);
		if (*end != '=')
			return -1;
		p = end + 1;
		do {
			int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);

			if (hi < 0 || lo < 0 || fill_at_n == FILL_AT_MAX)
				return -1;
			e.off = off++;
			e.byte = (uint8_t)(hi << 4 | lo);
			fill_at[fill_at_n++] = e;
			fill_at_stack |= e.region == REGION_STACK;
			p += 2;
		} while (*p && *p != ',');
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Applies the targeted bytes of one region (and header read) to the block [b, b + n). */
static void fill_at_apply(enum region region, unsigned index, uint8_t *b, size_t n)
{
	unsigned i;

	for (i = 0; i < fill_at_n; i++)
		if (fill_at[i].region == region && fill_at[i].index == index && fill_at[i].off < n)
			b[fill_at[i].off] = fill_at[i].byte;
}

/* The live page block and non-zeroed kmalloc block: a read into neither is a read into the stack. */
static void *page_block, *kmalloc_block;
static size_t page_size, kmalloc_size;

static void fill(void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	switch (fill_mode) {
	case FILL_ZERO:
		memset(b, 0, n);
		break;
	case FILL_PATTERN:
		for (i = 0; i < n; i++)
			b[i] = (uint8_t)(0xa5 ^ ((uintptr_t)(b + i) & 0xff));
		break;
	case FILL_RANDOM:
		for (i = 0; i < n; i++)
			b[i] = rng_byte();
		break;
	}
}

void *kmalloc(size_t size, gfp_t flags)
{
	void *p;

	if (size == 0)
		return ZERO_SIZE_PTR;
	if (size > KMALLOC_MAX_SIZE)
		return NULL;
	p = malloc(size);
	if (!p) {
		fprintf(stderr, "seed-c: out of memory\n");
		abort();
	}
	if (flags & __GFP_ZERO) {
		memset(p, 0, size);
	} else {
		fill(p, size);
		fill_at_apply(REGION_KMALLOC, 0, p, size);
		kmalloc_block = p;
		kmalloc_size = size;
	}
	stats.kmalloc_live++;
	return p;
}

void kfree(const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	if (p == kmalloc_block)
		kmalloc_block = NULL;
	stats.kmalloc_live--;
	free((void *)p);
}

unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order)
{
	size_t n = PAGE_SIZE << order;
	void *p = aligned_alloc(PAGE_SIZE, n);

	if (!p) {
		fprintf(stderr, "seed-c: out of memory\n");
		abort();
	}
	if (gfp_mask & __GFP_ZERO) {
		memset(p, 0, n);
	} else {
		fill(p, n);
		fill_at_apply(REGION_PAGE, 0, p, n);
	}
	page_block = p;
	page_size = n;
	stats.pages_live += 1L << order;
	return (unsigned long)p;
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (!addr)
		return;
	if ((void *)addr == page_block)
		page_block = NULL;
	stats.pages_live -= 1L << order;
	free((void *)addr);
}

/* ---- the file ---- */

#define SHIM_FD 3
static struct file the_file;
static struct file *fdt[SHIM_FD + 1];
static size_t io_chunk;
static unsigned io_eagain, io_spun;
static long long io_err_at;
static int io_err;
static unsigned io_err_count, io_failed;
static long long io_zero_at = -1;
static unsigned io_zero_count, io_zeroed;

void shim_set_io(size_t chunk, unsigned eagain)
{
	io_chunk = chunk;
	io_eagain = eagain;
}

void shim_set_io_error(long long at, int err, unsigned count)
{
	io_err_at = at;
	io_err = err;
	io_err_count = count;
}

void shim_set_io_zero(long long at, unsigned count)
{
	io_zero_at = at;
	io_zero_count = count;
}

struct file *fget(unsigned int fd)
{
	struct file *f = fd < sizeof(fdt) / sizeof(fdt[0]) ? fdt[fd] : NULL;

	if (f)
		f->f_count++;
	return f;
}

void fput(struct file *file)
{
	BUG_ON(file->f_count <= 0);
	file->f_count--;
}

/* How many bytes one transfer at *pos moves: the whole request, or the knobs'
 * part of it; io_eagain transfers return -EAGAIN before each real one,
 * from io_err_at on transfers fail with -io_err (io_err_count of them, or
 * every one when 0), and at io_zero_at they move nothing (io_zero_count of
 * them, or every one when 0). */
static ssize_t io_limit(size_t count, const loff_t *pos)
{
	int failing, zeroing;

	if (io_spun < io_eagain) {
		io_spun++;
		return -EAGAIN;
	}
	io_spun = 0;
	failing = io_err && (!io_err_count || io_failed < io_err_count);
	if (failing && *pos >= io_err_at) {
		io_failed++;
		return -io_err;
	}
	zeroing = io_zero_at >= 0 && (!io_zero_count || io_zeroed < io_zero_count);
	if (zeroing && *pos == io_zero_at) {
		io_zeroed++;
		return 0;
	}
	if (io_chunk && count > io_chunk)
		count = io_chunk;
	if (failing && (long long)count > io_err_at - *pos)
		count = (size_t)(io_err_at - *pos);
	if (zeroing && *pos < io_zero_at && (long long)count > io_zero_at - *pos)
		count = (size_t)(io_zero_at - *pos);
	return (ssize_t)count;
}

/*
 * Reads into neither the page block nor the kmalloc block go to the stack: cr_read_obj_type's
 * `struct cr_hdr h`, one cr_kread per record. The first transfer of each such read (not the
 * continuation of a short one or of -EAGAIN: same place, the bytes still wanted) is the call's
 * header read number stack_reads; its targeted bytes stackN@... are put into h before the file's
 * bytes are copied over them: the same as the stack having held them, since the port neither
 * reads nor writes h before this read.
 */
static unsigned stack_reads;
static int stack_pending;  /* the last stack transfer was short (not at EOF) or -EAGAIN */
static uint8_t *stack_next;
static size_t stack_left;

static int in_block(const void *p, const void *b, size_t n)
{
	return b && (const uint8_t *)p >= (const uint8_t *)b && (const uint8_t *)p < (const uint8_t *)b + n;
}

static ssize_t kernel_read_(struct file *file, void *buf, size_t count, loff_t *pos);

ssize_t kernel_read(struct file *file, void *buf, size_t count, loff_t *pos)
{
	ssize_t n;

	if (in_block(buf, page_block, page_size) || in_block(buf, kmalloc_block, kmalloc_size))
		return kernel_read_(file, buf, count, pos);
	if (!stack_pending || (uint8_t *)buf != stack_next || count != stack_left) {
		if (fill_at_stack)
			fill_at_apply(REGION_STACK, stack_reads, buf, count);
		stack_reads++;
	}
	n = kernel_read_(file, buf, count, pos);
	stack_pending = (n > 0 && (size_t)n < count) || n == -EAGAIN;
	stack_next = (uint8_t *)buf + (n > 0 ? n : 0);
	stack_left = count - (size_t)(n > 0 ? n : 0);
	return n;
}

static ssize_t kernel_read_(struct file *file, void *buf, size_t count, loff_t *pos)
{
	ssize_t n;

	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	if (!(file->f_mode & FMODE_CAN_READ))
		return -EINVAL;
	n = io_limit(count, pos);
	if (n <= 0)
		return n;
	if (*pos < 0)
		return -EINVAL;
	if ((size_t)*pos >= file->size)
		return 0;
	if ((size_t)n > file->size - (size_t)*pos)
		n = (ssize_t)(file->size - (size_t)*pos);
	memcpy(buf, file->data + *pos, (size_t)n);
	*pos += n;
	return n;
}

ssize_t kernel_write(struct file *file, const void *buf, size_t count, loff_t *pos)
{
	ssize_t n;
	size_t end;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!(file->f_mode & FMODE_CAN_WRITE))
		return -EINVAL;
	n = io_limit(count, pos);
	if (n <= 0)
		return n;
	if (*pos < 0)
		return -EINVAL;
	end = (size_t)*pos + (size_t)n;
	if (end > file->cap) {
		size_t cap = file->cap ? file->cap : 1024;
		unsigned char *d;

		while (cap < end)
			cap *= 2;
		d = realloc(file->data, cap);
		if (!d) {
			fprintf(stderr, "seed-c: out of memory\n");
			abort();
		}
		file->data = d;
		file->cap = cap;
	}
	if ((size_t)*pos > file->size) /* a hole reads as zeros */
		memset(file->data + file->size, 0, (size_t)*pos - file->size);
	memcpy(file->data + *pos, buf, (size_t)n);
	if (end > file->size)
		file->size = end;
	*pos += n;
	return n;
}

int shim_open_file(enum shim_file_mode mode, const uint8_t *data, size_t len)
{
	struct file *f = &the_file;

	f->f_pos = 0;
	f->size = 0;
	f->f_count = 0;
	if (mode == SHIM_FILE_NONE)
		return SHIM_FD;
	if (len) {
		unsigned eagain = io_eagain;
		size_t chunk = io_chunk;
		int err = io_err;
		long long zero_at = io_zero_at;
		loff_t pos = 0;

		io_eagain = 0; /* the content goes in whole */
		io_chunk = 0;
		io_err = 0;
		io_zero_at = -1;
		f->f_mode = FMODE_WRITE | FMODE_CAN_WRITE;
		kernel_write(f, data, len, &pos);
		io_eagain = eagain;
		io_chunk = chunk;
		io_err = err;
		io_zero_at = zero_at;
	}
	io_spun = 0;
	io_failed = 0;
	io_zeroed = 0;
	f->f_mode = mode == SHIM_FILE_READ		? FMODE_READ | FMODE_CAN_READ
		    : mode == SHIM_FILE_READ_NO_METHOD	? FMODE_READ
		    : mode == SHIM_FILE_WRITE_NO_METHOD ? FMODE_WRITE
							: FMODE_WRITE | FMODE_CAN_WRITE;
	f->f_count = 1; /* the descriptor table's reference */
	fdt[SHIM_FD] = f;
	return SHIM_FD;
}

const uint8_t *shim_file_content(size_t *len)
{
	*len = the_file.size;
	return the_file.data;
}

uint64_t shim_file_pos(void)
{
	return (uint64_t)the_file.f_pos;
}

/* ---- paths, clock, counter, messages ---- */

void path_get(const struct path *path)
{
	(void)path;
	stats.path_refs++;
}

void path_put(const struct path *path)
{
	(void)path;
	stats.path_refs--;
}

time64_t ktime_get_real_seconds(void)
{
	return shim_now;
}

int shim_atomic_inc_return(atomic_t *v)
{
	if (counter_preset) {
		v->counter = (int)counter_value;
		counter_preset = 0;
	}
	v->counter = (int)((unsigned int)v->counter + 1u);
	counter_value = (uint32_t)v->counter;
	return v->counter;
}

int shim_printk(const char *level, const char *fmt, ...)
{
	va_list ap;

	stats.printks++;
	if (!getenv("SEED_C_VERBOSE"))
		return 0;
	fprintf(stderr, "seed-c %s: ", level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	return 0;
}

void shim_bug(const char *file, int line)
{
	fprintf(stderr, "seed-c: kernel BUG at %s:%d\n", file, line);
	abort();
}

/* ---- the front-end's side ---- */

void shim_begin(unsigned major, unsigned minor, unsigned patch, uint32_t counter)
{
	shim_version_code = (major << 16) | (minor << 8) | patch;
	counter_value = counter;
	counter_preset = 1;
	memset(&shim_task, 0, sizeof(shim_task));
	memset(&shim_uts, 0, sizeof(shim_uts));
	shim_task.fs = &shim_fs;
	shim_now = 0;
	memset(fdt, 0, sizeof(fdt));
	the_file.f_mode = 0;
	the_file.f_pos = 0;
	the_file.size = 0;
	the_file.f_count = 0;
	io_spun = 0;
	io_failed = 0;
	stack_reads = 0;
	stack_pending = 0;
	memset(&stats, 0, sizeof(stats));
}

void shim_set_time(uint64_t sec)
{
	shim_now = (time64_t)sec;
}

void shim_set_uts(const uint8_t release[64], const uint8_t version[64], const uint8_t machine[64])
{
	memcpy(shim_uts.release, release, __NEW_UTS_LEN);
	memcpy(shim_uts.version, version, __NEW_UTS_LEN);
	memcpy(shim_uts.machine, machine, __NEW_UTS_LEN);
}

/* Each request value is the one stored in the image; narrow it to the task's C type. */
void shim_set_task(const struct shim_task_in *in)
{
	struct task_struct *t = &shim_task;

	t->__state = (long)in->state;
	t->exit_state = (int)(uint32_t)in->exit_state;
	t->exit_code = (int)(uint32_t)in->exit_code;
	t->exit_signal = (int)(uint32_t)in->exit_signal;
	t->utime = in->utime;
	t->stime = in->stime;
	t->utimescaled = in->utimescaled;
	t->stimescaled = in->stimescaled;
	t->gtime = in->gtime;
	t->prev_cputime.utime = in->prev_utime;
	t->prev_cputime.stime = in->prev_stime;
	t->nvcsw = (unsigned long)in->nvcsw;
	t->nivcsw = (unsigned long)in->nivcsw;
	t->start_time.sec = in->start_time_sec;
	t->start_time.nsec = in->start_time_nsec;
	t->start_boottime.sec = in->real_start_time_sec;
	t->start_boottime.nsec = in->real_start_time_nsec;
	t->min_flt = (unsigned long)in->min_flt;
	t->maj_flt = (unsigned long)in->maj_flt;
	memcpy(t->comm, in->comm, TASK_COMM_LEN);
}

void shim_set_comm(const uint8_t comm[16])
{
	memcpy(shim_task.comm, comm, TASK_COMM_LEN);
}

void shim_get_comm(uint8_t comm[16])
{
	memcpy(comm, shim_task.comm, TASK_COMM_LEN);
}

uint32_t shim_counter(void)
{
	return counter_value;
}

void shim_stats(struct shim_stats *s)
{
	*s = stats;
	s->file_refs = the_file.f_count - (fdt[SHIM_FD] ? 1 : 0);
}
