/*
 * crconform.c - an independent C implementation of the 2008 Linux
 * checkpoint/restart image format (the "seed" patch), and a worked example
 * of a crconform testee (see protocol/PROTOCOL.md).
 *
 *   crconform              persistent mode: framed requests on stdin, framed
 *                          answers on stdout, in order, until end of file
 *   crconform OP           per-case mode: one unframed payload on stdin, one
 *                          unframed answer on stdout (OP: hello, checkpoint,
 *                          restart)
 *
 * Both ABIs (x86_64, i386) and both profiles (seed, hardened) are supported.
 * Where the seed reads memory it never wrote (the kernel stack, a fresh page,
 * kmalloc) this program reads zeros: the harness checks only defined bytes.
 *
 * Build: impls/c/build.sh OUTDIR [-DMUTANT=N]. MUTANT selects one of the
 * single-fault variants listed in impls/mutants/mutants.tsv; each site is
 * marked MUT(N) and is dead code in the real build (MUTANT 0).
 *
 * Plain C99, libc only.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MUTANT
#define MUTANT 0
#endif
#define MUT(n) (MUTANT == (n))

/* ---- The format (see docs/LAYOUTS.md and reference/restart.ts) ------- */

enum { HEAD = 1, STRING = 2, TASK = 101, TAIL = 5001 };  /* record types */
enum { ESRCH_ = 3, EIO_ = 5, ENOEXEC_ = 8, EBADF_ = 9, EAGAIN_ = 11, EINVAL_ = 22, EPIPE_ = 32,
       ENAMETOOLONG_ = 36 };
#define MAGIC_HEAD 0x00feed0cc0a2d200ull
#define MAGIC_TAIL 0x002d2a0cc0deef00ull
#define CR_VERSION 1
#define CR_CTX_CKPT 1      /* the only flag HEAD.flags may carry */
#define TASK_DEAD 64       /* checkpoint refuses such a task after HEAD */
#define TASK_COMM_LEN 16
#define UTS_LEN 64
#define PAGE_SIZE 4096     /* the bound on task_comm_len */
#define HDR_SIZE 8         /* record header: type s16 @0, len s16 @2, parent u32 @4 */
#define HEAD_SIZE 224      /* same on both ABIs */
#define TAIL_SIZE 8

/* HEAD payload offsets: magic u64, major/minor/patch/rev u16, time u64,
 * flags u64, then release/version/machine, 64 raw bytes each. */
enum { H_MAGIC = 0, H_MAJOR = 8, H_MINOR = 10, H_PATCH = 12, H_REV = 14,
       H_TIME = 16, H_FLAGS = 24, H_RELEASE = 32, H_VERSION = 96, H_MACHINE = 160 };

/* The TASK payload is the one record whose layout depends on the ABI: state
 * u64 @0, exit_state/exit_code/exit_signal u32 @8/12/16, then 15 u64
 * counters and task_comm_len s32. A u64 aligns to 8 on x86_64 (4 bytes of
 * padding at [20,24), and [148,152) from aligned(8)) but to 4 on i386. */
struct abi {
	const char *name;
	int task_size;
	int counters_at;  /* offset of utime, the first u64 counter */
	int comm_len_at;  /* offset of task_comm_len */
};
static const struct abi ABIS[] = {
	{"x86_64", 152, 24, 144},
	{"i386", 144, 20, 140},
};

/* The 19 TASK fields in image order, as named in the protocol. */
static const char *const TASK_FIELDS[19] = {
	"state", "exit_state", "exit_code", "exit_signal", "utime", "stime",
	"utimescaled", "stimescaled", "gtime", "prev_utime", "prev_stime", "nvcsw",
	"nivcsw", "start_time_sec", "start_time_nsec", "real_start_time_sec",
	"real_start_time_nsec", "min_flt", "maj_flt",
};

static void task_field(const struct abi *a, int i, int *at, int *size)
{
	static const int small[4] = {0, 8, 12, 16};
	if (MUT(2))  /* mutant: the x86_64 offsets used for every ABI */
		a = &ABIS[0];
	*at = i < 4 ? small[i] : a->counters_at + 8 * (i - 4);
	*size = i == 0 || i >= 4 ? 8 : 4;
}

/* Little-endian integers of 1..8 bytes (both ABIs are little-endian). */
static void put(uint8_t *p, int size, uint64_t v)
{
	for (int i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, int size)
{
	uint64_t v = 0;
	for (int i = size; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* ---- Requests: "key value" lines ---------------------------------------- */

/* Images up to 2 MiB (PROTOCOL.md's limit); mutant 143: a 64 KiB image buffer. */
#define MAX_IMAGE (MUT(143) ? 1u << 16 : 1u << 21)
static struct kv { const char *key, *val; } *kv;  /* every line, unknown keys too */
static int nkv, kvcap;
static const char *bad;  /* first key whose value was missing or malformed */

/* The keys of protocol 1 (mutant 142 answers "error" to any other). */
static const char *const KNOWN[] = {
	"op", "id", "abi", "profile", "major", "minor", "patch", "counter", "flags", "crid", "pid",
	"file", "comm", "image", "release", "version", "machine", "time", "state", "exit_state",
	"exit_code", "exit_signal", "utime", "stime", "utimescaled", "stimescaled", "gtime",
	"prev_utime", "prev_stime", "nvcsw", "nivcsw", "start_time_sec", "start_time_nsec",
	"real_start_time_sec", "real_start_time_nsec", "min_flt", "maj_flt", "protocol"};

static int known(const char *key)
{
	for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
		if (strcmp(KNOWN[i], key) == 0)
			return 1;
	return 0;
}

/* Splits a NUL-terminated payload in place; unknown keys are kept and ignored.
 * Returns -1 on a line without a space (every line is "key value"), -2 when
 * out of memory, -3 on an unknown key (mutant 142 only). */
static int parse_lines(char *p)
{
	nkv = 0;
	bad = NULL;
	while (*p) {
		char *eol = strchr(p, '\n');
		if (eol)
			*eol = '\0';
		if (*p) {
			char *sp = strchr(p, ' ');
			if (!sp)
				return -1;
			if (nkv == kvcap) {
				struct kv *more;
				if (MUT(145) && kvcap)  /* mutant 145: a fixed table of 64 keys */
					return -2;
				if (!(more = realloc(kv, (kvcap ? 2 * kvcap : 64) * sizeof *kv)))
					return -2;
				kv = more;
				kvcap = kvcap ? 2 * kvcap : 64;
			}
			*sp = '\0';
			if (MUT(142) && !known(p))
				return -3;
			kv[nkv].key = p;
			kv[nkv++].val = sp + 1;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return 0;
}

static const char *str(const char *key)
{
	for (int i = 0; i < nkv; i++)  /* mutant 144: a key matched by its prefix */
		if (MUT(144) ? strncmp(kv[i].key, key, strlen(key)) == 0 : strcmp(kv[i].key, key) == 0)
			return kv[i].val;
	if (!bad)
		bad = key;
	return NULL;
}

/* A key's value, or NULL when absent (an optional key: `bad` is left alone). */
static const char *opt(const char *key)
{
	for (int i = 0; i < nkv; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].val;
	return NULL;
}

/* An unsigned decimal no larger than max; 0 and `bad` set when not. */
static uint64_t num(const char *key, uint64_t max)
{
	const char *s = str(key);
	uint64_t v = 0;
	if (!s)
		return 0;
	for (const char *c = s; *c; c++) {
		unsigned d = (unsigned)(*c - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			goto fail;
		v = v * 10 + d;
	}
	if (*s && v <= max)
		return v;
fail:
	if (!bad)
		bad = key;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F' && !MUT(140)) return c - 'A' + 10;  /* mutant 140: lower case only */
	return -1;
}

/* Hex bytes into out: exactly `want` bytes, or any count up to `cap` when want < 0. */
static size_t hex(const char *key, uint8_t *out, long want, size_t cap)
{
	const char *s = str(key);
	size_t n = s ? strlen(s) : 0;
	if (!s)
		return 0;
	if (n % 2 || n / 2 > cap || (want >= 0 && n / 2 != (size_t)want))
		goto fail;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto fail;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
fail:
	if (!bad)
		bad = key;
	return 0;
}

static const struct abi *abi_of(const char *name)
{
	for (size_t i = 0; name && i < sizeof ABIS / sizeof ABIS[0]; i++)
		if (strcmp(ABIS[i].name, name) == 0)
			return &ABIS[i];
	return NULL;
}

/* ---- Answers ---------------------------------------------------------- */

static char out[8192];  /* one answer; the largest is a 432-byte image in hex */
static size_t outlen;

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + outlen, sizeof out - outlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		outlen += (size_t)n < sizeof out - outlen ? (size_t)n : sizeof out - 1 - outlen;
}

static void say_hex(const char *key, const uint8_t *p, size_t n)
{
	say("%s ", key);
	for (size_t i = 0; i < n; i++)
		say("%02x", p[i]);
	say("\n");
}

/* ---- The file: how it behaves per transfer (protocol feature io) -------- */

/* The io_* keys of the request (absent: the plain file). */
static struct {
	uint64_t chunk;   /* at most this many bytes per transfer (0: unlimited) */
	uint64_t eagain;  /* transfers that return -EAGAIN before each real one */
	uint64_t err_at;  /* the file position at which every transfer fails ... */
	int err;          /* ... with -err (0: never) */
	uint64_t count;   /* how many transfers fail before the file works again (0: all) */
	uint64_t failed;  /* transfers failed so far */
	uint64_t spun;    /* -EAGAIN returned since the last real transfer */
} io;

static void io_parse(void)
{
	memset(&io, 0, sizeof io);
	if (opt("io_chunk") && !(io.chunk = num("io_chunk", 0x7fffffff)) && !bad)
		bad = "io_chunk";
	if (opt("io_eagain"))
		io.eagain = num("io_eagain", 64);
	if (opt("io_error_at") || opt("io_errno")) {
		io.err_at = num("io_error_at", 0x7fffffff);
		io.err = (int)num("io_errno", 4095);
		if ((io.err == 0 || io.err == EAGAIN_) && !bad)
			bad = "io_errno";
		if (opt("io_error_count") && !(io.count = num("io_error_count", 64)) && !bad)
			bad = "io_error_count";
	}
}

/* One transfer of up to count bytes at file position pos: how many bytes it
 * may move (at least 1), or a negative errno. */
static long long io_transfer(uint64_t pos, size_t count)
{
	if (io.spun < io.eagain) {
		io.spun++;
		return -EAGAIN_;
	}
	io.spun = 0;
	int failing = io.err && (!io.count || io.failed < io.count);
	if (failing && pos >= io.err_at) {
		io.failed++;
		return -io.err;
	}
	uint64_t n = count;
	if (io.chunk && n > io.chunk)
		n = io.chunk;
	if (failing && n > io.err_at - pos)
		n = io.err_at - pos;
	return (long long)n;
}

/* vfs_write: one transfer into the file at *pos. */
static long long file_write(uint8_t *file, size_t *pos, const uint8_t *src, size_t count)
{
	long long n = io_transfer(*pos, count);
	if (n > 0) {
		memcpy(file + *pos, src, (size_t)n);
		*pos += (size_t)n;
	}
	return n;
}

/* cr_kwrite: transfers until count bytes are written; a short transfer goes
 * round again, -EAGAIN is "wrote 0, try again", any other error is returned
 * (what was written stays in the file). */
static int kwrite(uint8_t *file, size_t *pos, const uint8_t *src, size_t count)
{
	while (count) {
		long long done = file_write(file, pos, src, count);
		if (done <= 0) {
			if (done != -EAGAIN_ || MUT(110))  /* mutant 110: -EAGAIN returned as an error */
				return (int)done;
			done = 0;
		}
		if (!MUT(111) || (size_t)done == count)  /* mutant 111: a short write is not */
			src += done;                       /* advanced past: the rest repeats it */
		count -= (size_t)done;
	}
	return 0;
}

/* ---- sys_checkpoint ---------------------------------------------------- */

/* The records' pieces (each header, each payload) in order: one write loop each. */
static size_t pieces[8];
static int npieces;

static void append_hdr(uint8_t *img, size_t *len, int type, int size)
{
	pieces[npieces++] = HDR_SIZE;
	put(img + *len, 2, (uint64_t)type);
	put(img + *len + 2, 2, (uint64_t)size);
	put(img + *len + 4, 4, 0);  /* parent */
	*len += HDR_SIZE;
}

static void append(uint8_t *img, size_t *len, const uint8_t *p, int size)
{
	pieces[npieces++] = (size_t)size;
	memcpy(img + *len, p, (size_t)size);
	*len += (size_t)size;
}

static void checkpoint(const struct abi *a)
{
	uint64_t counter = num("counter", 0x7fffffff), flags = num("flags", UINT64_MAX);
	uint64_t major = num("major", 255), minor = num("minor", 255), patch = num("patch", 255);
	uint64_t time = num("time", UINT64_MAX), v[19];
	uint8_t uts[3][UTS_LEN], comm[TASK_COMM_LEN];
	const char *file = str("file");
	const char *pid = MUT(73) ? str("pid") : NULL;  /* the seed never looks at pid */
	const struct abi *x86_64 = &ABIS[0], *i386 = &ABIS[1];
	hex("release", uts[0], UTS_LEN, UTS_LEN);
	hex("version", uts[1], UTS_LEN, UTS_LEN);
	hex("machine", uts[2], UTS_LEN, UTS_LEN);
	hex("comm", comm, TASK_COMM_LEN, TASK_COMM_LEN);
	for (int i = 0; MUT(107) && i < TASK_COMM_LEN && comm[i]; i++)
		if (comm[i] < 0x20)  /* mutant 107: control bytes shown as '?', as /proc does */
			comm[i] = '?';
	for (int i = 0; i < 19; i++) {
		int at, size;
		task_field(&ABIS[0], i, &at, &size);
		v[i] = num(TASK_FIELDS[i], size == 8 ? UINT64_MAX : UINT32_MAX);
	}
	if (!bad && strcmp(file, "ok") && strcmp(file, "bad-fd") && strcmp(file, "read-only"))
		bad = "file";
	io_parse();
	npieces = 0;
	if (bad) {
		say("error missing or malformed \"%s\"\n", bad);
		return;
	}

	/* The syscall's checks, in the seed's order. Nothing is written unless
	 * the context was allocated, which also advances the global counter. */
	long long ret;
	uint8_t img[512];
	size_t len = 0;
	/* mutant 52: TASK_DEAD tested as a bit; mutant 71: only the low 32 flag bits */
	int dead = MUT(52) ? (v[0] & TASK_DEAD) != 0 : v[0] == TASK_DEAD;
	if ((MUT(71) ? (uint32_t)flags != 0 : flags != 0) && !MUT(13)) {  /* mutant 13: ignored */
		ret = -EINVAL_;
		counter += MUT(76);            /* mutant 76: counter advanced anyway */
	} else if (strcmp(file, "bad-fd") == 0) {
		ret = -EBADF_;
		counter += MUT(77);            /* mutant 77: counter advanced anyway */
	} else if (strcmp(file, "read-only") == 0) {
		ret = MUT(80) ? -EINVAL_ : -EBADF_;  /* vfs_write fails on the first record (80: EINVAL) */
		counter += !MUT(12);           /* mutant 12: counter not advanced */
	} else if (MUT(73) && strcmp(pid, "0") != 0) {
		ret = -ESRCH_;                 /* mutant 73: pid looked up, not found */
		counter++;
	} else if (MUT(46) && dead) {
		ret = -EAGAIN_;                /* mutant 46: dead task refused before HEAD */
		counter++;
	} else {
		/* HEAD and TASK are built in the same scratch buffer (never zeroed):
		 * TASK's padding on x86_64 keeps the HEAD bytes at those offsets. */
		uint8_t hbuf[HEAD_SIZE] = {0};
		counter++;
		ret = MUT(14) ? (long long)counter - 1 : (long long)counter;  /* mutant 14: crid off by one */
		put(hbuf + H_MAGIC, 8, MAGIC_HEAD);
		put(hbuf + H_MAJOR, 2, major);
		put(hbuf + H_MINOR, 2, minor);
		put(hbuf + H_PATCH, 2, patch);
		put(hbuf + H_REV, 2, MUT(8) ? 0 : CR_VERSION);           /* mutant 8: rev 0 */
		/* mutant 6: 32-bit time; 59: 32-bit time on i386 only (long not sign-extended) */
		put(hbuf + H_TIME, MUT(6) || (MUT(59) && a == i386) ? 4 : 8, time);
		put(hbuf + H_FLAGS, 8, MUT(7) ? 0 : CR_CTX_CKPT);        /* mutant 7: flags 0 */
		for (int i = 0; i < 3; i++) {  /* a 64-byte memcpy, bytes after the NUL included */
			uint8_t *dst = hbuf + H_RELEASE + UTS_LEN * i;
			if (MUT(4))            /* mutant 4: strncpy-like, stops at the NUL */
				strncpy((char *)dst, (const char *)uts[i], UTS_LEN);
			else
				memcpy(dst, uts[i], UTS_LEN);
		}
		append_hdr(img, &len, HEAD, HEAD_SIZE);
		append(img, &len, hbuf, HEAD_SIZE);
		if (dead && !MUT(11)) {        /* mutant 11: dead task not refused */
			ret = MUT(81) ? -ESRCH_ : -EAGAIN_;  /* mutant 81: ESRCH */
		} else {
			/* mutant 99: x86_64 TASK size without the aligned(8) tail padding */
			int tsize = a->task_size - (MUT(99) && a == x86_64 ? 4 : 0);
			/* mutant 100: i386 task_comm_len written at the x86_64 offset */
			int cla = MUT(100) && a == i386 ? ABIS[0].comm_len_at : a->comm_len_at;
			/* STRING length: 16 raw bytes (mutant 5: 15; mutant 102: up to the NUL) */
			const uint8_t *nul = memchr(comm, 0, TASK_COMM_LEN);
			int slen = MUT(5) ? 15 : MUT(102) && nul ? (int)(nul - comm) + 1 : TASK_COMM_LEN;
			if (MUT(3))            /* mutant 3: TASK padding zeroed */
				memset(hbuf, 0, HEAD_SIZE);
			for (int i = 0; i < 19; i++) {
				int at, size;
				uint64_t x = v[i];
				task_field(a, i, &at, &size);
				if (MUT(58) && i == 2)  /* mutant 58: exit_code stored as u16 */
					size = 2;
				/* mutant 60: i386 longs (state, start times) zero-extended */
				if (MUT(60) && a == i386 && (i == 0 || (i >= 13 && i <= 16)))
					x = (uint32_t)x;
				/* mutant 61: unsigned long counters truncated to 32 bits */
				if (MUT(61) && ((i >= 4 && i <= 12) || i >= 17))
					x = (uint32_t)x;
				if (MUT(1) && i == 4)  /* mutant 1: utime big-endian */
					for (int b = 0; b < 8; b++)
						hbuf[at + b] = (uint8_t)(x >> (56 - 8 * b));
				else
					put(hbuf + at, size, x);
			}
			if (MUT(10))           /* mutant 10: exit_signal stored as a sign-extended u64 */
				put(hbuf + 16, 8, (uint64_t)(int64_t)(int32_t)v[3]);
			if (MUT(101) && a == x86_64)  /* mutant 101: x86_64 exit_signal as a long */
				put(hbuf + 16, 8, v[3]);
			put(hbuf + cla, MUT(65) ? 8 : 4, TASK_COMM_LEN);  /* mutant 65: as 64 bits */
			append_hdr(img, &len, TASK, tsize);
			append(img, &len, hbuf, tsize);
			append_hdr(img, &len, STRING, slen);
			append(img, &len, comm, slen);
			put(hbuf, 8, MUT(9) ? MAGIC_HEAD : MAGIC_TAIL);  /* mutant 9: wrong magic */
			append_hdr(img, &len, TAIL, TAIL_SIZE);
			append(img, &len, hbuf, TAIL_SIZE);
		}
	}
	/* The pieces go out through the file, one cr_kwrite each: a failing write
	 * ends the call with its error, and the file keeps what was written. */
	static uint8_t fdata[512];
	size_t fpos = 0, off = 0;
	for (int i = 0; i < npieces; i++) {
		int rc = kwrite(fdata, &fpos, img + off, pieces[i]);
		off += pieces[i];
		if (rc < 0) {
			ret = rc;
			break;
		}
	}
	(void)len;
	say("ret %lld\ncounter %llu\n", ret, (unsigned long long)counter);
	say_hex("image", fdata, fpos);
}

/* ---- sys_restart ------------------------------------------------------- */

struct reader {
	const uint8_t *img;
	size_t size, pos;  /* pos: the file position */
	int hardened;
	const struct abi *a;
	uint8_t hbuf[2 * PAGE_SIZE];  /* scratch buffer, two pages: HEAD, TASK and TAIL land at 0 */
};

/* vfs_read: one transfer from the file at its position (0 at end of file). */
static long long file_read(struct reader *r, uint8_t *dst, size_t count)
{
	long long n = io_transfer(r->pos, count);
	size_t avail = r->pos < r->size ? r->size - r->pos : 0;
	if (n <= 0)
		return n;
	if ((size_t)n > avail)
		n = (long long)avail;
	memcpy(dst, r->img + r->pos, (size_t)n);
	r->pos += (size_t)n;
	return n;
}

/* cr_kread: transfers until n bytes are read; a short transfer goes round
 * again, -EAGAIN is "read 0, try again", end of file stops early. Returns
 * the bytes read, or the file's negative errno. */
static long long kread(struct reader *r, uint8_t *dst, size_t n)
{
	size_t avail = r->pos < r->size ? r->size - r->pos : 0, start = r->pos, got = 0;
	int retried = 0;
	if (MUT(90) && avail < n)  /* mutant 90: a short read copies and counts nothing */
		return 0;
	while (got < n) {
		long long done = file_read(r, dst + got, n - got);
		if (done == -EAGAIN_ && MUT(114) && retried++)
			return done;     /* mutant 114: -EAGAIN retried once, then returned */
		if (done == -EAGAIN_)
			continue;
		if (done < 0 && MUT(113))
			break;           /* mutant 113: a read error taken for end of file */
		if (done < 0)
			return done;
		if (done == 0)
			break;           /* end of file */
		got += (size_t)done;
		if (MUT(112) && got < n)
			break;           /* mutant 112: a short read taken for end of file */
	}
	if (MUT(89))  /* mutant 89: position advanced by the count asked */
		r->pos = start + n;
	return (long long)got;
}

/* The parent of HEAD, TASK and TAIL: the seed returns a negative one as is. */
static int parent_zero(const struct reader *r, int64_t p)
{
	if (MUT(16))  /* mutant 16: parent never checked */
		return 0;
	if (p < 0 && (!r->hardened || MUT(94))) {  /* mutant 94: hardened returns it too */
		if (MUT(106) && p >= -529 && p <= -512)  /* mutant 106: ERESTART* as -EINTR */
			return -4;
		return MUT(17) ? -EINVAL_ : (int)p;  /* mutant 17: not returned raw */
	}
	return p != 0 ? -EINVAL_ : 0;
}

/* cr_read_obj_type: header, len check, payload, type check; then *parent.
 * Returns 0 or a negative errno. */
static int read_obj(struct reader *r, uint8_t *buf, int n, int type, int64_t *parent)
{
	uint8_t h[HDR_SIZE] = {0};  /* a stack variable: zero stands for "undefined" */
	size_t start = r->pos;
	long long got = kread(r, h, HDR_SIZE);
	if (got < 0)
		return (int)got;  /* the file failed */
	int len = (int16_t)get(h + 2, 2), t = (int16_t)get(h, 2), rc;
	/* u32 to int: >= 0x80000000 turns negative (mutant 56: kept unsigned) */
	int64_t p = MUT(56) ? (int64_t)get(h + 4, 4) : (int32_t)get(h + 4, 4);
	int epipe = MUT(82) ? -EIO_ : -EPIPE_;  /* mutant 82: EIO at end of file */
	/* end of file inside the header: hardened only (mutant 91: not checked; 96: seed too) */
	if (got < HDR_SIZE && (r->hardened ? !MUT(91) : MUT(96)))
		return epipe;
	if (MUT(38) && type != STRING && (rc = parent_zero(r, p)))
		return rc;  /* mutant 38: parent checked before len and the payload */
	if (MUT(29) && t != type)  /* mutant 29: type checked before the payload */
		return -EINVAL_;
	/* mutant 47: len 0 refused; mutant 15: >= */
	if ((MUT(47) ? len <= 0 : len < 0) || (MUT(15) ? len >= n : len > n) ||
	    (r->hardened && len != n && !MUT(30) &&  /* mutant 30: len not exact */
	     !(MUT(92) && type == STRING) && !(MUT(95) && type == TASK))) {  /* 92, 95: one record */
		if (MUT(86))  /* mutant 86: the header is not counted */
			r->pos = start;
		if (MUT(87) && len > 0)  /* mutant 87: the payload is skipped */
			r->pos += r->size - r->pos < (size_t)len ? r->size - r->pos : (size_t)len;
		return -EINVAL_;
	}
	got = kread(r, buf, (size_t)len);
	if (got < 0)
		return (int)got;  /* the file failed */
	/* end of file inside the payload: hardened only (25: seed errs; 26: hardened does not) */
	int eof = got < (long long)len && (MUT(25) ? !r->hardened : r->hardened && !MUT(26));
	if (eof && !MUT(45))  /* mutant 45: checked after the type */
		return epipe;
	if (t != type)
		return -EINVAL_;
	if (eof)
		return epipe;
	*parent = p;
	return 0;
}

/* The HEAD payload checks: magic, rev, version, flags. */
static int head_checks(const uint8_t *b, int major, int minor, int patch)
{
	int vw = MUT(62) ? 1 : 2;  /* mutant 62: major/minor/patch compared as u8 */
	uint64_t rev = get(b + H_REV, 2), flags = get(b + H_FLAGS, 8);
	/* mutant 35: magic unchecked; 104: either magic accepted (one is_cr_magic helper) */
	if (get(b + H_MAGIC, 8) != MAGIC_HEAD && !MUT(35) &&
	    !(MUT(104) && get(b + H_MAGIC, 8) == MAGIC_TAIL))
		return MUT(85) ? -ENOEXEC_ : -EINVAL_;          /* mutant 85: ENOEXEC */
	if (MUT(51) ? rev > CR_VERSION : rev != CR_VERSION)  /* mutant 51: older revs pass */
		return -EINVAL_;
	if (get(b + H_MAJOR, vw) != (uint64_t)major ||
	    (get(b + H_MINOR, vw) != (uint64_t)minor && !MUT(18)) ||  /* mutant 18: only major */
	    (get(b + H_PATCH, vw) != (uint64_t)patch && !MUT(18)))
		return -EINVAL_;
	/* mutant 55: a signed compare with CR_CTX_CKPT; mutant 64: a 32-bit mask */
	if ((MUT(55) ? (int64_t)flags > CR_CTX_CKPT
	     : MUT(64) ? (flags & (uint32_t)~CR_CTX_CKPT) != 0
		       : (flags & ~(uint64_t)CR_CTX_CKPT) != 0) && !MUT(19))  /* mutant 19 */
		return -EINVAL_;
	return 0;
}

static int tail_bad(const uint8_t *b)
{
	if (MUT(63))  /* mutant 63: the TAIL magic compared as 32 bits */
		return (uint32_t)get(b, 8) != (uint32_t)MAGIC_TAIL;
	if (MUT(104) && get(b, 8) == MAGIC_HEAD)  /* mutant 104: either magic accepted */
		return 0;
	return get(b, 8) != MAGIC_TAIL;
}

static int do_restart(struct reader *r, uint8_t comm[TASK_COMM_LEN], int major, int minor,
		      int patch)
{
	/* kmalloc(task_comm_len), not zeroed: only its first 16 bytes can reach comm, and
	 * zero stands for "undefined". Sized for any len a STRING header can carry. */
	static uint8_t kbuf[1 << 15];
	uint8_t *b = r->hbuf;
	const struct abi *ta = MUT(97) ? &ABIS[0] : r->a;  /* mutant 97: x86_64 layout for i386 */
	int64_t p;
	int rc;
	memset(kbuf, 0, TASK_COMM_LEN);

	/* HEAD */
	if ((rc = read_obj(r, b, HEAD_SIZE, HEAD, &p)))
		return rc;
	if (MUT(43) && (rc = head_checks(b, major, minor, patch)))
		return rc;  /* mutant 43: HEAD payload checked before the parent */
	if ((rc = parent_zero(r, p)))
		return rc;
	/* mutant 50: `parent <= 0` returned as is: a zero parent skips the HEAD checks */
	if (!MUT(43) && !(MUT(50) && p == 0) && (rc = head_checks(b, major, minor, patch)))
		return rc;

	/* TASK; only task_comm_len matters to restart */
	if (MUT(66))  /* mutant 66: the scratch buffer is zeroed before TASK is read */
		memset(r->hbuf, 0, sizeof r->hbuf);
	/* mutant 98: x86_64 TASK expected without the aligned(8) tail padding (148) */
	int tsize = ta->task_size - (MUT(98) && ta == &ABIS[0] ? 4 : 0);
	if ((rc = read_obj(r, b, tsize, TASK, &p)))
		return rc;
	/* task_comm_len is an s32 (mutant 57: read as 64 bits) */
	int64_t tcl = MUT(57) ? (int64_t)get(b + ta->comm_len_at, 8)
			      : (int32_t)get(b + ta->comm_len_at, 4);
	if (MUT(103) && get(b, 8) == TASK_DEAD)  /* mutant 103: a dead task's image refused */
		return -EINVAL_;
	if (!MUT(40) && (rc = parent_zero(r, p)))  /* mutant 40: parent after task_comm_len */
		return rc;
	if (MUT(41) && (rc = read_obj(r, kbuf, (int)tcl, STRING, &p)))
		return rc;  /* mutant 41: STRING read before task_comm_len is checked */
	int64_t lo = r->hardened ? !MUT(32) : MUT(48);  /* 32: hardened takes 0; 48: seed refuses 0 */
	int64_t max = PAGE_SIZE;
	if (MUT(20) || (MUT(49) && r->hardened))  /* mutant 20: off by one; 49: hardened only */
		max = PAGE_SIZE - 1;
	else if (MUT(21))                         /* mutant 21: off by one */
		max = PAGE_SIZE + 1;
	else if (MUT(54))                         /* mutant 54: the scratch buffer's size */
		max = 2 * PAGE_SIZE;
	if (tcl < lo || tcl > max)
		return MUT(84) && tcl > max ? -ENAMETOOLONG_ : -EINVAL_;  /* mutant 84 */
	if (MUT(22) && tcl > TASK_COMM_LEN)  /* mutant 22: long names refused, not truncated */
		return -EINVAL_;
	if (MUT(40) && (rc = parent_zero(r, p)))
		return rc;

	/* STRING, into the kmalloc buffer; a positive parent skips it (seed) */
	size_t ncopy = tcl < TASK_COMM_LEN ? (size_t)tcl : TASK_COMM_LEN;
	uint8_t *sbuf = MUT(68) ? r->hbuf : MUT(70) ? comm : kbuf;  /* 68: hbuf; 70: comm */
	int sn = MUT(53) ? (int)tcl + 1 : MUT(70) ? (int)ncopy : (int)tcl;  /* 53: room for NUL */
	if (!MUT(41) && (rc = read_obj(r, sbuf, sn, STRING, &p)))
		return rc;
	if (MUT(105) && p == TASK)  /* mutant 105: a STRING parent naming TASK taken as 0 */
		p = 0;
	/* mutant 33: hardened lets a parent through; 44: hardened checks it after the copy */
	if (p != 0 && r->hardened && !MUT(33) && !MUT(44))
		return -EINVAL_;
	if (p < 0 && !(MUT(44) && r->hardened))
		return (int)p;
	if (p > 0 && MUT(28))  /* mutant 28: positive parent refused */
		return -EINVAL_;
	if (p == 0 || (MUT(44) && r->hardened)) {
		/* mutant 34: comm not cleared first; 70: it already holds the STRING bytes */
		if (!MUT(34) && !MUT(70))
			memset(comm, 0, TASK_COMM_LEN);
		if (!MUT(70))  /* mutant 69: copied from the TASK buffer, not the STRING's */
			memcpy(comm, MUT(68) || MUT(69) ? r->hbuf : kbuf, ncopy);
		/* mutants 31 (no NUL), 23 (NUL in seed), 93 (NUL after the copied bytes) */
		if (r->hardened ? !MUT(31) : MUT(23))
			comm[MUT(93) ? ncopy - 1 : TASK_COMM_LEN - 1] = 0;
	}
	if (MUT(44) && p != 0 && r->hardened)
		return -EINVAL_;

	/* TAIL */
	uint8_t own[TAIL_SIZE] = {0};
	uint8_t *tb = MUT(67) ? own : b;  /* mutant 67: TAIL read into its own zeroed buffer */
	if ((rc = read_obj(r, tb, TAIL_SIZE, TAIL, &p)))
		return rc;
	if (MUT(42) && tail_bad(tb))  /* mutant 42: magic checked before the parent */
		return -EINVAL_;
	if ((rc = parent_zero(r, p)))
		return rc;
	if (tail_bad(tb))
		return -EINVAL_;
	if (MUT(24))  /* mutant 24: bytes after TAIL consumed */
		r->pos = r->size;
	return 0;
}

static uint8_t image[MAX_IMAGE];

static void restart(const struct abi *a)
{
	uint64_t counter = num("counter", 0x7fffffff), flags = num("flags", UINT64_MAX);
	uint64_t major = num("major", 255), minor = num("minor", 255), patch = num("patch", 255);
	const char *profile = str("profile"), *file = str("file");
	const char *crid = MUT(74) ? str("crid") : NULL;  /* the seed never looks at crid */
	uint8_t comm[TASK_COMM_LEN];
	static struct reader r;
	memset(&r, 0, sizeof r);
	r.img = image;
	r.a = a;
	hex("comm", comm, TASK_COMM_LEN, TASK_COMM_LEN);
	r.size = hex("image", image, -1, MAX_IMAGE);
	if (!bad && strcmp(profile, "seed") && strcmp(profile, "hardened"))
		bad = "profile";
	if (!bad && strcmp(file, "ok") && strcmp(file, "bad-fd") && strcmp(file, "write-only"))
		bad = "file";
	io_parse();
	if (bad) {
		say("error missing or malformed \"%s\"\n", bad);
		return;
	}
	r.hardened = strcmp(profile, "hardened") == 0;

	int ret;
	/* mutant 72: flags tested against a mask; mutant 78: only the low 32 bits */
	uint64_t fl = MUT(72) ? flags & ~(uint64_t)CR_CTX_CKPT : MUT(78) ? (uint32_t)flags : flags;
	if (MUT(39) && strcmp(file, "bad-fd") == 0) {
		ret = -EBADF_;         /* mutant 39: the fd checked before flags */
	} else if (fl != 0 && !MUT(36)) {  /* mutant 36: flags ignored */
		ret = -EINVAL_;
	} else if (MUT(74) && strcmp(crid, "0") != 0) {
		ret = -EINVAL_;        /* mutant 74: crid checked like flags */
	} else if (strcmp(file, "bad-fd") == 0) {
		ret = MUT(79) ? -EINVAL_ : -EBADF_;  /* mutant 79: EINVAL */
		counter += MUT(37);    /* mutant 37: counter advanced anyway */
	} else if (strcmp(file, "write-only") == 0) {
		ret = MUT(83) ? -EINVAL_ : -EBADF_;  /* the context exists; its first read fails */
		counter += !MUT(75);   /* mutant 75: counter not advanced; 83: EINVAL */
	} else {
		counter += !MUT(27);   /* mutant 27: counter not advanced */
		ret = do_restart(&r, comm, (int)major, (int)minor, (int)patch);
		if (MUT(88) && ret != 0)  /* mutant 88: the file position rewound on failure */
			r.pos = 0;
	}
	say("ret %d\nconsumed %zu\ncounter %llu\n", ret, r.pos, (unsigned long long)counter);
	say_hex("comm", comm, TASK_COMM_LEN);
}

/* ---- One request ------------------------------------------------------- */

/* Answers one NUL-terminated payload into out[]; op_arg overrides "op". */
static void handle(char *payload, const char *op_arg)
{
	outlen = 0;
	int parsed = parse_lines(payload);
	if (parsed) {
		say(parsed == -1 ? "error a line without a space\n" : parsed == -2 ? "error too many keys\n"
		    : "error unknown key\n");
		return;
	}
	/* mutant 141: the operation read from the first line only */
	const char *op = op_arg ? op_arg : MUT(141) ? (nkv && strcmp(kv[0].key, "op") == 0 ? kv[0].val
	                                                       : "none") : str("op");
	if (op && strcmp(op, "hello") == 0) {
		say("protocol 1\nname crconform-c-1.0\nabis x86_64 i386\nprofiles seed hardened\n"
		    "features io\n");
		return;
	}
	uint64_t id = num("id", UINT64_MAX);
	if (bad) {
		say("error missing or malformed \"%s\"\n", bad);
		return;
	}
	say("id %llu\n", (unsigned long long)id);
	const char *abi = str("abi");
	const struct abi *a = abi_of(abi);
	if (!abi)
		say("error missing \"abi\"\n");
	else if (!a)
		say("unsupported abi \"%.40s\"\n", abi);
	else if (strcmp(op, "checkpoint") == 0)
		checkpoint(a);
	else if (strcmp(op, "restart") == 0)
		restart(a);
	else
		say("unsupported op \"%.40s\"\n", op);
}

/* ---- Main: the two modes ----------------------------------------------- */

/* PROTOCOL.md: a request frame is at most 4 MiB + 64 KiB (a 2 MiB image in hex, plus the
 * other keys). Mutant 146: a request buffer sized for 1 MiB (a 512 KiB image). */
#define MAX_REQ (MUT(146) ? 1u << 20 : (4u << 20) + (1u << 16))
#define CHUNK (1u << 16)

static void send_frame(void)
{
	uint8_t len[4];
	put(len, 4, outlen);
	fwrite(len, 1, 4, stdout);
	fwrite(out, 1, outlen, stdout);
}

static int per_case(const char *op)
{
	char *buf = malloc(MAX_REQ + 1);
	size_t n = 0, r;
	if (!buf)
		return 1;
	while (n < MAX_REQ && (r = fread(buf + n, 1, MAX_REQ - n, stdin)) > 0)
		n += r;
	buf[n] = '\0';
	handle(buf, op);
	fwrite(out, 1, outlen, stdout);
	free(buf);
	return fflush(stdout) != 0;
}

static int persistent(void)
{
	size_t cap = MAX_REQ + 4 + CHUNK + 1, have = 0, skip = 0;
	uint8_t *in = malloc(cap);
	if (!in)
		return 1;
	for (;;) {
		size_t start = 0;
		/* Answer every complete frame already buffered, in order. */
		while (have - start >= 4 && !skip) {
			size_t n = (size_t)get(in + start, 4);
			if (n > MAX_REQ) {  /* never buffered: answered and skipped */
				outlen = 0;
				say("error request frame of %zu bytes exceeds the limit\n", n);
				send_frame();
				skip = 4 + n;
				break;
			}
			if (have - start - 4 < n)
				break;
			char *payload = (char *)in + start + 4;
			char saved = payload[n];
			payload[n] = '\0';
			handle(payload, NULL);
			payload[n] = saved;
			send_frame();
			start += 4 + n;
		}
		if (skip) {
			size_t drop = have - start < skip ? have - start : skip;
			start += drop;
			skip -= drop;
		}
		memmove(in, in + start, have - start);
		have -= start;
		/* About to block on stdin: the harness may be waiting for these answers. */
		if (fflush(stdout) != 0)
			return 1;
		ssize_t got = read(0, in + have, cap - 1 - have < CHUNK ? cap - 1 - have : CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0;
		have += (size_t)got;
	}
}

int main(int argc, char **argv)
{
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	return argc > 1 ? per_case(argv[1]) : persistent();
}
