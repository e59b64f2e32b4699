/*
 * seed-c: a crconform testee whose checkpoint and restart are the port's own
 * C code (golden/recipe/port/checkpoint/{sys,checkpoint,restart}.c, compiled
 * unmodified against the user-space shim in shim/). This file is only the
 * protocol front-end (harness/PROTOCOL.md, protocol 1): it parses a request,
 * sets up the shim's task, utsname, clock, version, counter and file, calls
 * sys_checkpoint() or sys_restart(), and answers what the call did.
 *
 *   seed-c [options]        persistent mode: length-prefixed frames on stdin/stdout
 *   seed-c [options] OP     per-case mode: one request payload on stdin (OP: hello,
 *                           checkpoint, restart), one answer payload on stdout
 *
 * Options (each also an environment variable; the option wins):
 *   --fill=zero|pattern|random[:SEED]   SEED_C_FILL, SEED_C_SEED: never-written kmalloc
 *                                       and page bytes (default zero)
 *   --fill-at=SPEC|request              SEED_C_FILL_AT: targeted bytes over the fill at offsets
 *                                       of the scratch pages, a kmalloc block or the N-th
 *                                       header read's stack header (shim.h); `request`: each
 *                                       request's x-fill-at key gives them (absent: none)
 *   --io-chunk=N                        SEED_C_IO_CHUNK: at most N bytes per transfer
 *   --io-eagain                         SEED_C_IO_EAGAIN=1: every other transfer -EAGAIN
 *                                       (a request's io_* keys replace both for its call:
 *                                       protocol feature io, declared in hello)
 *   --all-states                        SEED_C_ALL_STATES=1: run task states the port's
 *                                       types cannot hold instead of answering unsupported
 * SEED_C_VERBOSE=1 prints the port's pr_warn and per-call shim statistics on stderr.
 *
 * One binary per ABI: the ABI is the compiler's (gcc: x86_64, gcc -m32: i386).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/shim.h"

#if defined(__x86_64__) || (defined(SEED_C_X86_64_LAYOUT) && defined(__LP64__))
#define ABI "x86_64" /* the layout's name (see shim/include/linux/kconfig.h) */
#elif defined(__i386__)
#define ABI "i386"
#else
#error "seed-c: x86_64 or i386 only"
#endif

#define MAX_REQUEST (64u << 20)

static int all_states;
/* --fill-at=request: each request's x-fill-at key sets the targeted bytes of its call. */
static int fill_at_request;
static int verbose;
/* The I/O knobs of the command line: each request's io_* keys replace them for its call. */
static size_t cli_chunk;
static unsigned cli_eagain;

/* ---- output ---- */

static struct {
	char *p;
	size_t n, cap;
} out;

static void out_reserve(size_t more)
{
	if (out.n + more + 1 <= out.cap)
		return;
	while (out.n + more + 1 > out.cap)
		out.cap = out.cap ? out.cap * 2 : 4096;
	out.p = realloc(out.p, out.cap);
	if (!out.p) {
		fprintf(stderr, "seed-c: out of memory\n");
		exit(1);
	}
}

static void outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void outf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	out_reserve((size_t)n);
	va_start(ap, fmt);
	vsnprintf(out.p + out.n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	out.n += (size_t)n;
}

static void out_hex(const char *key, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	outf("%s ", key);
	out_reserve(2 * n + 1);
	for (i = 0; i < n; i++) {
		out.p[out.n++] = digits[b[i] >> 4];
		out.p[out.n++] = digits[b[i] & 15];
	}
	out.p[out.n++] = '\n';
}

/* ---- requests: "key value" lines ---- */

struct req {
	int n, cap;        /* lines kept, room for them: as many as the request has */
	const char **key;
	const char **val;
	size_t *vlen;
	const char *error; /* first parse or value error, answered as "error" */
	uint8_t *bytes;    /* decoded hex values live here */
	size_t nbytes;
};

/* Splits the NUL-terminated payload in place into its lines (PROTOCOL.md sets no limit on how
 * many) and keeps the known keys'. */
static void parse(struct req *r, char *p)
{
	r->n = 0;  /* the arrays are kept from request to request, grown as needed */
	r->error = NULL;
	while (*p) {
		char *nl = strchr(p, '\n'), *sp;
		int i;

		if (nl)
			*nl = '\0';
		sp = *p ? strchr(p, ' ') : NULL;
		if (sp)
			*sp = '\0';
		/* Keys with a '-' are never given a meaning (PROTOCOL.md): they are not kept, but for
		 * this program's own x-fill-at. So the table holds the known keys only, and parsing
		 * and lookups stay linear however many unknown lines a request carries (tens of
		 * thousands: the harness sends them). */
		if (*p && (!strchr(p, '-') || strcmp(p, "x-fill-at") == 0)) {
			for (i = 0; i < r->n; i++)
				if (strcmp(r->key[i], p) == 0 && !r->error)
					r->error = "a key appears twice";
			if (r->n == r->cap) {
				r->cap = r->cap ? 2 * r->cap : 64;
				r->key = realloc(r->key, r->cap * sizeof *r->key);
				r->val = realloc(r->val, r->cap * sizeof *r->val);
				r->vlen = realloc(r->vlen, r->cap * sizeof *r->vlen);
				if (!r->key || !r->val || !r->vlen) {
					fprintf(stderr, "seed-c: out of memory\n");
					exit(1);
				}
			}
			{
				r->key[r->n] = p;
				r->val[r->n] = sp ? sp + 1 : p + strlen(p);
				r->vlen[r->n] = strlen(r->val[r->n]);
				r->n++;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

static const char *get(const struct req *r, const char *key)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->key[i], key) == 0)
			return r->val[i];
	return NULL;
}

static void bad(struct req *r, const char *what)
{
	if (!r->error)
		r->error = what;
}

/* A decimal u64 no larger than max; records an error otherwise. */
static uint64_t u64_of(struct req *r, const char *key, uint64_t max)
{
	const char *v = get(r, key);
	uint64_t x = 0;

	if (!v || !*v) {
		bad(r, "missing or empty integer key");
		return 0;
	}
	for (; *v; v++) {
		unsigned d = (unsigned)(*v - '0');
		if (d > 9 || x > (UINT64_MAX - d) / 10) {
			bad(r, "bad unsigned integer");
			return 0;
		}
		x = x * 10 + d;
	}
	if (x > max)
		bad(r, "integer out of range");
	return x;
}

/* A decimal signed 32-bit value (optionally negative); absent keys give 0. */
static int32_t s32_of(struct req *r, const char *key)
{
	const char *v = get(r, key);
	int neg = 0;
	uint64_t x = 0;

	if (!v)
		return 0;
	if (*v == '-') {
		neg = 1;
		v++;
	}
	if (!*v)
		bad(r, "bad signed integer");
	for (; *v; v++) {
		unsigned d = (unsigned)(*v - '0');
		if (d > 9 || x > 0x80000000u) {
			bad(r, "bad signed integer");
			return 0;
		}
		x = x * 10 + d;
	}
	if (x > (neg ? 0x80000000u : 0x7fffffffu)) {
		bad(r, "signed integer out of range");
		return 0;
	}
	return neg ? (int32_t)(0 - x) : (int32_t)x;
}

static int nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	     : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes a hex value; want is the exact length, or (size_t)-1 for any. */
static const uint8_t *hex_of(struct req *r, const char *key, size_t want, size_t *len)
{
	const char *v = get(r, key);
	size_t n, i;
	uint8_t *b;

	*len = 0;
	if (!v) {
		bad(r, "missing hex key");
		return NULL;
	}
	n = strlen(v);
	if (n % 2 || (want != (size_t)-1 && n / 2 != want)) {
		bad(r, "hex value of the wrong length");
		return NULL;
	}
	b = malloc(n / 2 + 1);
	if (!b) {
		bad(r, "out of memory");
		return NULL;
	}
	for (i = 0; i < n / 2; i++) {
		int hi = nibble(v[2 * i]), lo = nibble(v[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			bad(r, "bad hex digit");
			free(b);
			return NULL;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return b;
}

static int is(const char *v, const char *s)
{
	return v && strcmp(v, s) == 0;
}

/* ---- the operations ---- */

static void after_call(const char *op, int allocated)
{
	struct shim_stats s;

	shim_stats(&s);
	if (verbose)
		fprintf(stderr,
			"seed-c %s: kmalloc_live %ld pages_live %ld file_refs %ld path_refs %ld printks %ld\n",
			op, s.kmalloc_live, s.pages_live, s.file_refs, s.path_refs, s.printks);
	/* The port frees everything it allocates and leaks one file reference per context. */
	if (s.kmalloc_live || s.pages_live || s.path_refs || s.file_refs != (allocated ? 1 : 0)) {
		outf("error shim bookkeeping after %s: kmalloc_live %ld pages_live %ld file_refs %ld "
		     "(expected %d) path_refs %ld\n",
		     op, s.kmalloc_live, s.pages_live, s.file_refs, allocated ? 1 : 0, s.path_refs);
	}
}

/*
 * The request's file behaviour (protocol features io: io_chunk, io_eagain,
 * io_error_at with io_errno and io_error_count; io-zero: io_zero_at and io_zero_count), set on the shim's file for this call; without
 * io_* keys the command line's knobs (--io-chunk, --io-eagain) apply, and the
 * file never fails.
 */
static void io_of(struct req *r)
{
	size_t chunk = cli_chunk;
	unsigned eagain = cli_eagain;
	long long at = 0;
	int err = 0;
	unsigned count = 0, zero_count = 0;
	long long zero_at = -1;

	if (get(r, "io_chunk")) {
		chunk = (size_t)u64_of(r, "io_chunk", 0x7fffffff);
		if (!chunk)
			bad(r, "io_chunk must be at least 1");
	}
	if (get(r, "io_eagain"))
		eagain = (unsigned)u64_of(r, "io_eagain", 64);
	if (get(r, "io_zero_at")) {
		zero_at = (long long)u64_of(r, "io_zero_at", 0x7fffffff);
		if (get(r, "io_zero_count") &&
		    !(zero_count = (unsigned)u64_of(r, "io_zero_count", 64)))
			bad(r, "io_zero_count must be 1..64");
	}
	if (get(r, "io_error_at") || get(r, "io_errno")) {
		at = (long long)u64_of(r, "io_error_at", 0x7fffffff);
		err = (int)u64_of(r, "io_errno", 4095);
		if (!err || err == EAGAIN)
			bad(r, "io_errno must be 1..4095 and not EAGAIN");
		if (get(r, "io_error_count") &&
		    !(count = (unsigned)u64_of(r, "io_error_count", 64)))
			bad(r, "io_error_count must be 1..64");
	}
	shim_set_io(chunk, eagain);
	shim_set_io_error(at, err, count);
	shim_set_io_zero(zero_at, zero_count);
}

static void version_of(struct req *r, unsigned *major, unsigned *minor, unsigned *patch)
{
	*major = (unsigned)u64_of(r, "major", 255);
	*minor = (unsigned)u64_of(r, "minor", 255);
	*patch = (unsigned)u64_of(r, "patch", 255);
}

/* The kernel's unsigned long holds the syscall's flags; on i386 it has 32 bits. */
static int flags_fit(uint64_t flags)
{
	return flags == (uint64_t)(unsigned long)flags;
}

static void checkpoint(struct req *r, const char *id)
{
#define F(name) { #name, offsetof(struct shim_task_in, name) }
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		F(state), F(exit_state), F(exit_code), F(exit_signal), F(utime), F(stime),
		F(utimescaled), F(stimescaled), F(gtime), F(prev_utime), F(prev_stime), F(nvcsw),
		F(nivcsw), F(start_time_sec), F(start_time_nsec), F(real_start_time_sec),
		F(real_start_time_nsec), F(min_flt), F(maj_flt),
	};
#undef F
	struct shim_task_in t;
	const uint8_t *rel, *ver, *mach, *comm;
	const char *file = get(r, "file");
	unsigned major, minor, patch;
	uint64_t flags, time, counter;
	size_t len, i, size;
	int32_t pid;
	long ret;
	int fd;

	memset(&t, 0, sizeof(t));
	version_of(r, &major, &minor, &patch);
	counter = u64_of(r, "counter", 0xffffffffu);
	flags = u64_of(r, "flags", UINT64_MAX);
	time = u64_of(r, "time", UINT64_MAX);
	pid = s32_of(r, "pid");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		*(uint64_t *)((char *)&t + fields[i].off) = u64_of(r, fields[i].name, UINT64_MAX);
	rel = hex_of(r, "release", 64, &len);
	ver = hex_of(r, "version", 64, &len);
	mach = hex_of(r, "machine", 64, &len);
	comm = hex_of(r, "comm", 16, &len);
	if (!is(file, "ok") && !is(file, "bad-fd") && !is(file, "read-only") && !is(file, "no-write"))
		bad(r, "file is not ok, bad-fd, read-only or no-write");
	io_of(r);
	if (fill_at_request && shim_set_fill_at(get(r, "x-fill-at") ? get(r, "x-fill-at") : ""))
		bad(r, "x-fill-at is not a fill spec (REGION@OFFSET=HEX,...)");
	outf("id %s\n", id);
	if (r->error) {
		outf("error %s\n", r->error);
	} else if (!flags_fit(flags)) {
		outf("unsupported flags %llu do not fit the " ABI " kernel's unsigned long\n",
		     (unsigned long long)flags);
	} else if (!all_states && sizeof(long) == 8 &&
		   (t.start_time_nsec > 0xffffffffu || t.real_start_time_nsec > 0xffffffffu)) {
		/* checkpoint.c keeps tv_nsec in a `u32 rem` (div_u64_rem): no x86_64 task
		 * of the port's can have a tv_nsec of 2^32 or more. */
		outf("unsupported the port stores tv_nsec through a u32 (div_u64_rem): "
		     "start_time_nsec %llu / real_start_time_nsec %llu cannot be given to it\n",
		     (unsigned long long)t.start_time_nsec,
		     (unsigned long long)t.real_start_time_nsec);
	} else {
		const uint8_t *img;

		memcpy(t.comm, comm, 16);
		shim_begin(major, minor, patch, (uint32_t)counter);
		shim_set_time(time);
		shim_set_uts(rel, ver, mach);
		shim_set_task(&t);
		fd = shim_open_file(is(file, "ok")	    ? SHIM_FILE_WRITE
				    : is(file, "read-only") ? SHIM_FILE_READ
				    : is(file, "no-write")  ? SHIM_FILE_WRITE_NO_METHOD
							    : SHIM_FILE_NONE,
				    NULL, 0);
		ret = sys_checkpoint(pid, fd, (unsigned long)flags);
		img = shim_file_content(&size);
		outf("ret %ld\ncounter %lu\n", ret, (unsigned long)shim_counter());
		out_hex("image", img, size);
		after_call("checkpoint", shim_counter() != (uint32_t)counter);
	}
	free((void *)rel);
	free((void *)ver);
	free((void *)mach);
	free((void *)comm);
}

static void restart(struct req *r, const char *id)
{
	const char *file = get(r, "file");
	const uint8_t *comm, *image;
	unsigned major, minor, patch;
	uint64_t flags, counter;
	size_t len, ilen;
	int32_t crid;
	long ret;
	int fd;

	version_of(r, &major, &minor, &patch);
	counter = u64_of(r, "counter", 0xffffffffu);
	flags = u64_of(r, "flags", UINT64_MAX);
	crid = s32_of(r, "crid");
	comm = hex_of(r, "comm", 16, &len);
	image = hex_of(r, "image", (size_t)-1, &ilen);
	if (!is(file, "ok") && !is(file, "bad-fd") && !is(file, "write-only") && !is(file, "no-read"))
		bad(r, "file is not ok, bad-fd, write-only or no-read");
	io_of(r);
	if (fill_at_request && shim_set_fill_at(get(r, "x-fill-at") ? get(r, "x-fill-at") : ""))
		bad(r, "x-fill-at is not a fill spec (REGION@OFFSET=HEX,...)");
	outf("id %s\n", id);
	if (r->error) {
		outf("error %s\n", r->error);
	} else if (!is(get(r, "profile"), "seed")) {
		outf("unsupported seed-c runs the seed's code: profile seed only\n");
	} else if (!flags_fit(flags)) {
		outf("unsupported flags %llu do not fit the " ABI " kernel's unsigned long\n",
		     (unsigned long long)flags);
	} else {
		uint8_t after[16];

		shim_begin(major, minor, patch, (uint32_t)counter);
		shim_set_comm(comm);
		fd = shim_open_file(is(file, "ok")	     ? SHIM_FILE_READ
				    : is(file, "write-only") ? SHIM_FILE_WRITE
				    : is(file, "no-read")    ? SHIM_FILE_READ_NO_METHOD
							     : SHIM_FILE_NONE,
				    image, ilen);
		ret = sys_restart(crid, fd, (unsigned long)flags);
		shim_get_comm(after);
		outf("ret %d\nconsumed %llu\ncounter %lu\n", (int)(int32_t)ret,
		     (unsigned long long)shim_file_pos(), (unsigned long)shim_counter());
		out_hex("comm", after, 16);
		after_call("restart", shim_counter() != (uint32_t)counter);
	}
	free((void *)comm);
	free((void *)image);
}

/* Answers one request (NUL-terminated, parsed in place) into `out`. */
static void answer(char *payload, const char *op_arg)
{
	static struct req r; /* static: its line arrays are reused */
	const char *op, *id;

	out.n = 0;
	parse(&r, payload);
	op = get(&r, "op");
	if (!op)
		op = op_arg;
	if (is(op, "hello")) {
		outf("protocol 1\nname seed-c-" ABI "\nabis " ABI "\nprofiles seed\n"
		     "ops checkpoint restart\nfeatures io io-zero no-method\n");
		return;
	}
	id = get(&r, "id");
	if (!id || !*id || strspn(id, "0123456789") != strlen(id)) {
		outf("id %s\nerror request without a numeric id\n", id ? id : "0");
		return;
	}
	if (!is(get(&r, "abi"), ABI)) {
		outf("id %s\nunsupported this seed-c binary is the " ABI " build\n", id);
		return;
	}
	if (is(op, "checkpoint"))
		checkpoint(&r, id);
	else if (is(op, "restart"))
		restart(&r, id);
	else
		outf("id %s\nunsupported unknown op\n", id);
}

/* ---- the two modes ---- */

static int write_all(const void *p, size_t n)
{
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

static int persistent(void)
{
	size_t cap = 1 << 16, have = 0, start = 0;
	char *buf = malloc(cap), *q = NULL;
	size_t qcap = 0;

	if (!buf)
		return 1;
	for (;;) {
		ssize_t got;

		/* answer every whole frame buffered */
		while (have - start >= 4) {
			const uint8_t *h = (const uint8_t *)buf + start;
			uint32_t len = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
				       (uint32_t)h[3] << 24;
			uint8_t hdr[4];

			if (len > MAX_REQUEST) {
				fprintf(stderr, "seed-c: request frame of %u bytes\n", len);
				return 1;
			}
			if (have - start < 4 + (size_t)len)
				break;
			if (qcap < (size_t)len + 1) {
				qcap = (size_t)len + 1;
				q = realloc(q, qcap);
				if (!q)
					return 1;
			}
			memcpy(q, buf + start + 4, len);
			q[len] = '\0';
			start += 4 + (size_t)len;
			answer(q, NULL);
			hdr[0] = (uint8_t)out.n;
			hdr[1] = (uint8_t)(out.n >> 8);
			hdr[2] = (uint8_t)(out.n >> 16);
			hdr[3] = (uint8_t)(out.n >> 24);
			if (write_all(hdr, 4) || write_all(out.p, out.n))
				return 1;
		}
		/* about to block: flush the answers, make room, read */
		if (fflush(stdout))
			return 1;
		if (start) {
			memmove(buf, buf + start, have - start);
			have -= start;
			start = 0;
		}
		if (have >= 4) {
			const uint8_t *h = (const uint8_t *)buf;
			size_t need = 4 + ((size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16 |
					   (size_t)h[3] << 24);
			if (need > cap) {
				cap = need;
				buf = realloc(buf, cap);
				if (!buf)
					return 1;
			}
		}
		if (have == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				return 1;
		}
		got = read(0, buf + have, cap - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return 1;
		if (got == 0)
			return have ? 1 : 0; /* end of input: exit 0 between frames */
		have += (size_t)got;
	}
}

static int per_case(const char *op)
{
	size_t cap = 1 << 16, have = 0;
	char *buf = malloc(cap);

	if (!buf)
		return 1;
	for (;;) {
		ssize_t got;

		if (have + 1 >= cap) {
			cap *= 2;
			if (cap > MAX_REQUEST + 1)
				return 1;
			buf = realloc(buf, cap);
			if (!buf)
				return 1;
		}
		got = read(0, buf + have, cap - have - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return 1;
		if (got == 0)
			break;
		have += (size_t)got;
	}
	buf[have] = '\0';
	answer(buf, op);
	if (write_all(out.p, out.n) || fflush(stdout))
		return 1;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: seed-c [--fill=zero|pattern|random[:SEED]] [--fill-at=SPEC|request] "
			"[--io-chunk=N] "
			"[--io-eagain] [--all-states] [hello|checkpoint|restart]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *fill = getenv("SEED_C_FILL"), *fill_at = getenv("SEED_C_FILL_AT"), *e;
	size_t chunk = 0;
	int eagain = 0, i;

	if ((e = getenv("SEED_C_IO_CHUNK")) && *e)
		chunk = (size_t)strtoul(e, NULL, 0);
	eagain = (e = getenv("SEED_C_IO_EAGAIN")) && *e && strcmp(e, "0") != 0;
	all_states = (e = getenv("SEED_C_ALL_STATES")) && *e && strcmp(e, "0") != 0;
	verbose = (e = getenv("SEED_C_VERBOSE")) && *e && strcmp(e, "0") != 0;
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strncmp(argv[i], "--fill=", 7) == 0)
			fill = argv[i] + 7;
		else if (strncmp(argv[i], "--fill-at=", 10) == 0)
			fill_at = argv[i] + 10;
		else if (strncmp(argv[i], "--io-chunk=", 11) == 0)
			chunk = (size_t)strtoul(argv[i] + 11, NULL, 0);
		else if (strcmp(argv[i], "--io-eagain") == 0)
			eagain = 1;
		else if (strcmp(argv[i], "--all-states") == 0)
			all_states = 1;
		else
			return usage();
	}
	if (fill && *fill && shim_set_fill(fill)) {
		fprintf(stderr, "seed-c: unknown fill %s\n", fill);
		return usage();
	}
	if (is(fill_at, "request")) {
		fill_at_request = 1;
	} else if (fill_at && shim_set_fill_at(fill_at)) {
		fprintf(stderr, "seed-c: bad --fill-at %s (REGION@OFFSET=HEX,...)\n", fill_at);
		return usage();
	}
	cli_chunk = chunk;
	cli_eagain = (unsigned)eagain;
	shim_set_io(chunk, (unsigned)eagain);
	if (verbose)
		fprintf(stderr, "seed-c-" ABI ": fill %s, io chunk %zu, eagain %d, all states %d\n",
			shim_fill_name(), chunk, eagain, all_states);
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (i == argc)
		return persistent();
	if (i + 1 == argc)
		return per_case(argv[i]);
	return usage();
}
