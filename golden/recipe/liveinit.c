// SPDX-License-Identifier: MIT
/*
 * crconform live init: PID 1 of the "fastio" kernel under QEMU, for the live
 * kernel testee (kernel-<abi>) and `deno task fuzz --impl kernel-<abi>`.
 * Restart batch only; the committed captures use init.c, which this file
 * leaves alone.
 *
 * Built static against the kernel's nolibc (build-liveinit.sh); every
 * syscall goes through my_syscallN so the raw return value is kept.
 *
 * In:  /cases.bin in the initramfs, the bundle of BUNDLE.md (mapped, not
 *      copied).
 * Out: binary frames written from user space to QEMU's isa-debugcon port
 *      0xe9 with `rep outsb` (ioperm; no driver, no tty, no syscall per
 *      byte). Format in LIVE.md:
 *        "CRLV" u32 seq, u32 len, u32 crc32, then len payload bytes
 *      payload = records as in init.c (tag u8, nfields u8, per field u16
 *      length + bytes), plus 'S', one compact restart result per case.
 *
 * Per case (the semantics of BUNDLE.md, fewer syscalls): set comm; write the
 * image into the one /tmp/img file (pwrite at 0, ftruncate to its length)
 * and seek the O_RDWR fd to 0, or open a fresh O_WRONLY fd for kind 2;
 * ret = restart(0, fd, flags); pos = lseek(fd, 0, SEEK_CUR); c1 =
 * checkpoint(0, pipe, 0), read back. The counter delta is c1 - c0 - 1,
 * where c0 is the previous case's c1 (the first c0 is a checkpoint made
 * before the batch): only checkpoint and restart allocate a context, and
 * between two cases the init makes neither.
 */
#define NR_CHECKPOINT 451
#define NR_RESTART 452

#ifdef __x86_64__
#define ABI_NAME "x86_64"
#define TASK_SIZE 152
#else
#define ABI_NAME "i386"
#define TASK_SIZE 144
#endif
#define IMG_SIZE (8 + 224 + 8 + TASK_SIZE + 8 + 16 + 8 + 8)
#define STRING_OFF (8 + 224 + 8 + TASK_SIZE + 8)

#define PR_SET_NAME 15
#define TCSBRK 0x5409
#define DEBUGCON 0xe9
/* a frame every this many cases at least, so the host can show progress */
#define PROGRESS_EVERY 2048

typedef long long i64;

static long sc1(long n, long a) { return my_syscall1(n, a); }
static long sc2(long n, long a, long b) { return my_syscall2(n, a, b); }
static long sc3(long n, long a, long b, long c) { return my_syscall3(n, a, b, c); }
static long sc4(long n, long a, long b, long c, long d) { return my_syscall4(n, a, b, c, d); }
static long sc5(long n, long a, long b, long c, long d, long e)
{
	return my_syscall5(n, a, b, c, d, e);
}

static long x_open(const char *p, long fl, long mode) { return sc3(__NR_open, (long)p, fl, mode); }
static long x_close(long fd) { return sc1(__NR_close, fd); }
static long x_read(long fd, void *b, long n) { return sc3(__NR_read, fd, (long)b, n); }
static long x_lseek(long fd, long off, long wh) { return sc3(__NR_lseek, fd, off, wh); }
static long ckpt(long pid, long fd, long flags) { return sc3(NR_CHECKPOINT, pid, fd, flags); }
static long rstr(long crid, long fd, long flags) { return sc3(NR_RESTART, crid, fd, flags); }
static void x_exit(long c) { for (;;) sc1(__NR_exit, c); }
static long x_pwrite0(long fd, const void *b, long n)
{
#ifdef __x86_64__
	return sc4(__NR_pwrite64, fd, (long)b, n, 0);
#else
	return sc5(__NR_pwrite64, fd, (long)b, n, 0, 0); /* offset as lo, hi */
#endif
}

static void bcopy_(void *d, const void *s, long n)
{
	unsigned char *dd = d; const unsigned char *ss = s;
	while (n--) *dd++ = *ss++;
}
static int slen(const char *s) { int n = 0; while (s[n]) n++; return n; }

/* ---------- output: records in frames on the debugcon port ---------- */
static unsigned char obuf[1 << 17];
static long olen;
static unsigned long seq;
static int rec_at, rec_nf;

static unsigned int crc32(const unsigned char *p, long n)
{
	unsigned int c = 0xffffffffu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

static void port_out(const unsigned char *p, long n)
{
	__asm__ volatile("cld; rep outsb" : "+S"(p), "+c"(n) : "d"(DEBUGCON) : "memory");
}

static void put_u32(unsigned char *b, unsigned int v)
{
	for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static void flush_frame(void)
{
	unsigned char h[16] = { 'C', 'R', 'L', 'V' };
	if (!olen) return;
	put_u32(h + 4, (unsigned int)seq);
	put_u32(h + 8, (unsigned int)olen);
	put_u32(h + 12, crc32(obuf, olen));
	port_out(h, 16);
	port_out(obuf, olen);
	seq++;
	olen = 0;
}

static void rec_begin(char tag)
{
	if (olen > (long)sizeof(obuf) - 1024) flush_frame();
	obuf[olen++] = (unsigned char)tag;
	rec_at = olen++;
	rec_nf = 0;
}
static void f_bytes(const void *p, long n)
{
	if (n < 0) n = 0;
	if (n > 512) n = 512;
	obuf[olen++] = n & 0xff;
	obuf[olen++] = (n >> 8) & 0xff;
	bcopy_(obuf + olen, p, n);
	olen += n;
	rec_nf++;
}
static void f_str(const char *s) { f_bytes(s, slen(s)); }
static void f_i64(i64 v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++) b[i] = (unsigned char)((unsigned long long)v >> (8 * i));
	f_bytes(b, 8);
}
static void rec_end(void) { obuf[rec_at] = (unsigned char)rec_nf; }

/* unsigned LEB128, and zigzag for signed values */
static void put_uv(unsigned long long v)
{
	while (v >= 0x80) {
		obuf[olen++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	obuf[olen++] = (unsigned char)v;
}
static void put_sv(i64 v) { put_uv(((unsigned long long)v << 1) ^ (unsigned long long)(v >> 63)); }

/*
 * 'S': one field: uv index, sv ret, sv pos, sv counter delta, u8 comm kind
 * (0: the 16 comm bytes equal the case's comm_before, 1: 16 bytes follow).
 */
static void compact_result(long i, long ret, long pos, long delta, const unsigned char *comm,
			   const unsigned char *before)
{
	int same = 1;
	for (int k = 0; k < 16; k++) same &= comm[k] == before[k];
	rec_begin('S');
	long at = olen;
	olen += 2;
	put_uv((unsigned long)i);
	put_sv(ret);
	put_sv(pos);
	put_sv(delta);
	obuf[olen++] = same ? 0 : 1;
	if (!same) {
		bcopy_(obuf + olen, comm, 16);
		olen += 16;
	}
	obuf[at] = (unsigned char)((olen - at - 2) & 0xff);
	obuf[at + 1] = (unsigned char)((olen - at - 2) >> 8);
	rec_nf = 1;
	rec_end();
}

static void finish(void)
{
	flush_frame();
	sc4(__NR_reboot, 0xfee1dead, 672274793, 0x01234567 /* RESTART */, 0);
	x_exit(0);
}

/* ---------- restart batch ---------- */
static unsigned char uts[6 * 65];
static unsigned char img[IMG_SIZE];

static unsigned long long le(const unsigned char *p, int n)
{
	unsigned long long v = 0;
	while (n--) v = (v << 8) | p[n];
	return v;
}

static long read_back(long rfd)
{
	long got = 0, k;
	while (got < IMG_SIZE && (k = x_read(rfd, img + got, IMG_SIZE - got)) > 0) got += k;
	return got;
}

static void batch(void)
{
	long fd = x_open("/cases.bin", O_RDONLY, 0);
	if (fd < 0) return;
	long n = x_lseek(fd, 0, SEEK_END);
	const unsigned char *cases = n > 0 ? sys_mmap(0, n, PROT_READ, MAP_PRIVATE, fd, 0) : 0;
	x_close(fd);
	if ((unsigned long)cases >= -4095UL) cases = 0;
	rec_begin('B');
	f_i64(cases ? n : -1);
	rec_end();
	if (!cases || n < 12 || le(cases, 4) != 0x4c444e42u /* "BNDL" */) return;
	long count = (long)le(cases + 8, 4), at = 12;
	int p[2];
	sc1(__NR_pipe, (long)p);
	long rw = x_open("/tmp/img", O_RDWR | O_CREAT | O_TRUNC, 0600);
	long prev = ckpt(0, p[1], 0);
	read_back(p[0]);
	for (long i = 0; i < count && at + 31 <= n; i++) {
		const unsigned char *c = cases + at;
		long idlen = le(c, 2);
		const unsigned char *comm = c + 2 + idlen;
		int kind = c[2 + idlen + 16];
		unsigned long flags = (unsigned long)le(c + 2 + idlen + 17, 8);
		long ilen = (long)le(c + 2 + idlen + 25, 4);
		const unsigned char *im = c + 2 + idlen + 29;
		at += 2 + idlen + 29 + ilen;
		if (at > n) break;

		char cb[17];
		bcopy_(cb, comm, 16);
		cb[16] = 0;
		sc5(__NR_prctl, PR_SET_NAME, (long)cb, 0, 0, 0);
		x_pwrite0(rw, im, ilen);
		sc2(__NR_ftruncate, rw, ilen);
		long tfd = rw;
		if (kind == 2) tfd = x_open("/tmp/img", O_WRONLY, 0);
		else x_lseek(rw, 0, SEEK_SET);
		long ret = rstr(0, kind == 1 ? -1 : tfd, (long)flags);
		long pos = x_lseek(tfd, 0, SEEK_CUR);
		if (tfd != rw) x_close(tfd);
		long c1 = ckpt(0, p[1], 0);
		long got = c1 > 0 ? read_back(p[0]) : 0;
		if (c1 < 0 || got != IMG_SIZE || prev < 0) {
			/* the checkpoint after restart failed: the old R record with c1 */
			rec_begin('R');
			f_i64(i); f_i64(ret); f_i64(pos); f_bytes(img + STRING_OFF, 16);
			f_i64(c1 - prev - 1); f_i64(c1 < 0 ? c1 : prev < 0 ? prev : -got);
			rec_end();
		} else {
			compact_result(i, ret, pos, c1 - prev - 1, img + STRING_OFF, comm);
		}
		prev = c1;
		if ((i + 1) % PROGRESS_EVERY == 0) flush_frame();
	}
	x_close(rw);
	x_close(p[0]); x_close(p[1]);
}

int main(void)
{
	if (sc3(__NR_ioperm, DEBUGCON, 1, 1) < 0) {
		static const char msg[] = "liveinit: ioperm(0xe9) failed: not the fastio kernel?\n";
		long c = x_open("/dev/console", O_WRONLY, 0);
		sc3(__NR_write, c, (long)msg, sizeof(msg) - 1);
		sc3(__NR_ioctl, c, TCSBRK, 1);
		sc4(__NR_reboot, 0xfee1dead, 672274793, 0x01234567, 0);
		x_exit(1);
	}
	sc1(__NR_uname, (long)uts);
	rec_begin('U');
	f_str(ABI_NAME);
	for (int i = 0; i < 6; i++) f_bytes(uts + 65 * i, 65);
	f_i64(IMG_SIZE);
	rec_end();
	batch();
	rec_begin('Z');
	f_i64(ckpt(0, x_open("/dev/null", O_WRONLY, 0), 0));
	rec_end();
	finish();
	return 0;
}
