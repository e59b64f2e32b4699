// SPDX-License-Identifier: MIT
/*
 * crconform capture init: PID 1 of the patched 6.1 kernel under QEMU.
 *
 * Built static against the kernel's nolibc (see build-init.sh). Every syscall
 * goes through my_syscallN so the raw return value is kept (restart can
 * return values outside the errno range).
 *
 * Output: binary records (see golden/serial.ts, parseRecords) collected in
 * a buffer and sent as hex frames on the data port /dev/ttyS1:
 *   "=CRF <seq> <len> <crc32>\n" <hex lines> "=END <seq>\n"
 * len = payload bytes, crc32 = IEEE CRC-32 of the payload, both hex.
 *
 * Environment (kernel command-line words with '=' reach init as env):
 *   crscen=1   run the checkpoint scenarios and the findings
 *   crmode=spin  only the EAGAIN-spin finding (never returns)
 * If /cases.bin exists the restart batch runs (format: BUNDLE.md).
 */
#define NR_CHECKPOINT 451
#define NR_RESTART 452

#ifdef __x86_64__
#define ABI_NAME "x86_64"
#define TASK_SIZE 152
#define NR_CLOCK_GETTIME 228 /* struct of two 64-bit longs */
#define NR_CLOCK_NANOSLEEP 230
#else
#define ABI_NAME "i386"
#define TASK_SIZE 144
#define NR_CLOCK_GETTIME 403 /* clock_gettime64 */
#define NR_CLOCK_NANOSLEEP 407 /* clock_nanosleep_time64 */
#endif
#define IMG_SIZE (8 + 224 + 8 + TASK_SIZE + 8 + 16 + 8 + 8)
#define STRING_OFF (8 + 224 + 8 + TASK_SIZE + 8)
#define TCL_OFF (8 + 224 + 8 + TASK_SIZE - (TASK_SIZE == 152 ? 8 : 4))

#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define TCSBRK 0x5409
#define F_GETFL 3
#define F_SETFL 4
#define WALL 0x40000000
#define SIGUSR1 10
#define SIGCHLD 17

typedef long long i64;

struct ts64 { i64 sec; i64 nsec; };

/* ---------- raw syscalls ---------- */
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
static long x_write(long fd, const void *b, long n) { return sc3(__NR_write, fd, (long)b, n); }
static long x_lseek(long fd, long off, long wh) { return sc3(__NR_lseek, fd, off, wh); }
static long x_prctl(long op, long a) { return sc5(__NR_prctl, op, a, 0, 0, 0); }
static long x_fcntl(long fd, long cmd, long a) { return sc3(__NR_fcntl, fd, cmd, a); }
static long x_pipe(int *p) { return sc1(__NR_pipe, (long)p); }
static long ckpt(long pid, long fd, long flags) { return sc3(NR_CHECKPOINT, pid, fd, flags); }
static long rstr(long crid, long fd, long flags) { return sc3(NR_RESTART, crid, fd, flags); }
static void x_exit(long c) { for (;;) sc1(__NR_exit, c); }

static void now(struct ts64 *t)
{
	t->sec = 0;
	t->nsec = 0;
	sc2(NR_CLOCK_GETTIME, 0 /* CLOCK_REALTIME */, (long)t);
}

static int slen(const char *s) { int n = 0; while (s[n]) n++; return n; }

static void bzero_(void *p, long n) { unsigned char *c = p; while (n--) *c++ = 0; }
static void bcopy_(void *d, const void *s, long n)
{
	unsigned char *dd = d; const unsigned char *ss = s;
	while (n--) *dd++ = *ss++;
}

/* ---------- output: records, frames ---------- */
static unsigned char obuf[1 << 17];
static long olen;
static long dfd = -1;
static long seq;
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

static char line[8192];
static int llen;
static void lflush(void)
{
	int off = 0;
	while (off < llen) {
		long r = x_write(dfd, line + off, llen - off);
		if (r == -4 || r == -11) continue;
		if (r <= 0) break;
		off += r;
	}
	llen = 0;
}
static void lput(char c) { if (llen == sizeof(line)) lflush(); line[llen++] = c; }
static void lstr(const char *s) { while (*s) lput(*s++); }
static void lhex(unsigned long long v)
{
	char t[17]; int n = 0;
	do { t[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
	while (n) lput(t[--n]);
}

static void flush_frame(void)
{
	if (!olen) return;
	lstr("=CRF "); lhex(seq); lput(' '); lhex(olen); lput(' ');
	lhex(crc32(obuf, olen)); lput('\n');
	for (long i = 0; i < olen; i++) {
		lput("0123456789abcdef"[obuf[i] >> 4]);
		lput("0123456789abcdef"[obuf[i] & 15]);
		if ((i & 63) == 63 || i == olen - 1) lput('\n');
	}
	lstr("=END "); lhex(seq); lput('\n');
	lflush();
	seq++;
	olen = 0;
}

/* record: tag u8, nfields u8, then per field: u16 len LE, bytes */
static void rec_begin(char tag)
{
	if (olen > (long)sizeof(obuf) - 16384) flush_frame();
	obuf[olen++] = (unsigned char)tag;
	rec_at = olen++;
	rec_nf = 0;
}
static void f_bytes(const void *p, long n)
{
	if (n < 0) n = 0;
	if (n > 16000) n = 16000;
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

static void drain_and_reboot(void)
{
	flush_frame();
	sc3(__NR_ioctl, dfd, TCSBRK, 1);
	sc3(__NR_ioctl, 1, TCSBRK, 1);
	sc4(__NR_reboot, 0xfee1dead, 672274793, 0x01234567 /* RESTART */, 0);
	x_exit(0);
}

/* ---------- helpers ---------- */
static char tbuf[4][4096];
static long read_text(const char *path, char *b, long max)
{
	long fd = x_open(path, O_RDONLY, 0), n = 0, r;
	if (fd < 0) return 0;
	while (n < max && (r = x_read(fd, b + n, max - n)) > 0) n += r;
	x_close(fd);
	return n;
}

static unsigned char uts[6 * 65];
static unsigned char img[65536];

static void set_comm(const char *s) { x_prctl(PR_SET_NAME, (long)s); }

/*
 * One checkpoint scenario. rb: how to read the bytes back:
 *  'f' file: read [pos0,pos1) through a fresh O_RDONLY open of path
 *  'a' O_APPEND file: read [size before, pos1) the same way
 *  'p' pipe: non-blocking read of rfd
 *  'n' nothing
 */
static void scenario(const char *name, const void *comm_req, long comm_req_len, long pid,
		     long fd, long flags, char rb, const char *path, long rfd)
{
	struct ts64 t0, t1;
	unsigned char got[16];
	long pos0, pos1, ret, nimg = 0;
	long ns0 = read_text("/proc/self/stat", tbuf[0], 4095);
	long nu0 = read_text("/proc/self/status", tbuf[1], 4095);

	pos0 = x_lseek(fd, 0, SEEK_CUR);
	long from = pos0;
	if (rb == 'a') {
		long r = x_open(path, O_RDONLY, 0);
		from = x_lseek(r, 0, SEEK_END);
		x_close(r);
	}
	now(&t0);
	ret = ckpt(pid, fd, flags);
	now(&t1);
	pos1 = x_lseek(fd, 0, SEEK_CUR);
	long ns1 = read_text("/proc/self/stat", tbuf[2], 4095);
	long nu1 = read_text("/proc/self/status", tbuf[3], 4095);
	bzero_(got, 16);
	x_prctl(PR_GET_NAME, (long)got);

	if (rb == 'f' || rb == 'a') {
		long r = x_open(path, O_RDONLY, 0);
		if (r >= 0 && pos1 > from) {
			x_lseek(r, from, SEEK_SET);
			long want = pos1 - from, k;
			if (want > (long)sizeof(img)) want = sizeof(img);
			while (nimg < want && (k = x_read(r, img + nimg, want - nimg)) > 0) nimg += k;
		}
		if (r >= 0) x_close(r);
	} else if (rb == 'p') {
		long fl = x_fcntl(rfd, F_GETFL, 0), k;
		x_fcntl(rfd, F_SETFL, fl | O_NONBLOCK);
		while ((k = x_read(rfd, img + nimg, sizeof(img) - nimg)) > 0) nimg += k;
		x_fcntl(rfd, F_SETFL, fl);
	}
	rec_begin('C');
	f_str(name);
	f_i64(ret);
	f_i64(rb == 'f' || rb == 'a' ? pos1 - from : nimg);
	f_bytes(img, nimg);
	f_bytes(comm_req, comm_req_len);
	f_bytes(got, 16);
	f_i64(t0.sec); f_i64(t0.nsec); f_i64(t1.sec); f_i64(t1.nsec);
	f_bytes(tbuf[0], ns0); f_bytes(tbuf[2], ns1);
	f_bytes(tbuf[1], nu0); f_bytes(tbuf[3], nu1);
	f_i64(sc1(__NR_getpid, 0));
	f_bytes(uts + 2 * 65, 65); f_bytes(uts + 3 * 65, 65); f_bytes(uts + 4 * 65, 65);
	f_i64(pos0); f_i64(pos1);
	rec_end();
}

static long fresh(const char *path, long extra)
{
	return x_open(path, O_RDWR | O_CREAT | O_TRUNC | extra, 0600);
}

/* checkpoint into a file, with comm set, read back through the file */
static void file_scen(const char *name, const char *comm)
{
	set_comm(comm);
	long fd = fresh("/tmp/ck", 0);
	scenario(name, comm, slen(comm), 0, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);
}

/* Restart an image of our own with comm replaced; then checkpoint. */
static void comm_by_restart(const char *name, const unsigned char *comm16, int tcl)
{
	long fd = fresh("/tmp/own", 0);
	long r = ckpt(0, fd, 0);
	long n = 0, k;
	x_lseek(fd, 0, SEEK_SET);
	while ((k = x_read(fd, img + n, IMG_SIZE - n)) > 0) n += k;
	x_close(fd);
	(void)r;
	if (tcl != 16) {
		/* task_comm_len = tcl, STRING len = tcl, payload tcl bytes, then TAIL */
		unsigned char tail[16];
		bcopy_(tail, img + STRING_OFF + 16, 16);
		img[TCL_OFF] = tcl; img[TCL_OFF + 1] = 0; img[TCL_OFF + 2] = 0; img[TCL_OFF + 3] = 0;
		img[STRING_OFF - 6] = tcl; img[STRING_OFF - 5] = 0;
		bcopy_(img + STRING_OFF, comm16, tcl);
		bcopy_(img + STRING_OFF + tcl, tail, 16);
		n = STRING_OFF + tcl + 16;
	} else {
		bcopy_(img + STRING_OFF, comm16, 16);
	}
	fd = fresh("/tmp/r", 0);
	x_write(fd, img, n);
	x_lseek(fd, 0, SEEK_SET);
	long ret = rstr(0, fd, 0);
	x_close(fd);
	rec_begin('F');
	f_str(name); f_str("restart-of-own-image"); f_i64(ret); f_bytes(img, n);
	rec_end();
	long cfd = fresh("/tmp/ck", 0);
	scenario(name, comm16, tcl < 16 ? tcl : 16, 0, cfd, 0, 'f', "/tmp/ck", -1);
	x_close(cfd);
}

/* run a scenario in a child made by clone(exit_signal) and collect its record */
static void child_scen(const char *name, long exit_signal)
{
	flush_frame();
	long pid = sc5(__NR_clone, exit_signal, 0, 0, 0, 0);
	if (pid == 0) {
		set_comm("child");
		long fd = fresh("/tmp/ckc", 0);
		scenario(name, "child", 5, 0, fd, 0, 'f', "/tmp/ckc", -1);
		long o = fresh("/tmp/child.out", 0);
		x_write(o, obuf, olen);
		x_close(o);
		x_exit(0);
	}
	int st = 0;
	sc4(__NR_wait4, pid, (long)&st, WALL, 0);
	long o = x_open("/tmp/child.out", O_RDONLY, 0), k;
	if (o >= 0) {
		while ((k = x_read(o, obuf + olen, sizeof(obuf) - olen)) > 0) olen += k;
		x_close(o);
	}
}

static char big[4 << 20];

static void scenarios(void)
{
	long fd;
	int p[2];

	file_scen("comm-empty", "");
	file_scen("comm-1", "a");
	file_scen("comm-15", "abcdefghijklmno");
	file_scen("comm-26-truncated", "abcdefghijklmnopqrstuvwxyz");
	file_scen("comm-highbytes", "\xff\xfe\x80\x01\x7f ~crC\xa9");
	comm_by_restart("comm-restart-16-no-nul", (const unsigned char *)"ABCDEFGHIJKLMNOP", 16);
	comm_by_restart("comm-restart-bytes-after-nul",
			(const unsigned char *)"ab\0cdefghijklm\xff", 16);
	comm_by_restart("comm-restart-tcl-4", (const unsigned char *)"wxyz", 4);
	file_scen("pid1-file", "init-ckpt");
	child_scen("fork-child-sigchld", SIGCHLD);
	child_scen("clone-child-exitsig-0", 0);
	child_scen("clone-child-sigusr1", SIGUSR1);

	set_comm("pipe-ckpt");
	x_pipe(p);
	scenario("pipe", "pipe-ckpt", 9, 0, p[1], 0, 'p', 0, p[0]);
	x_close(p[0]); x_close(p[1]);

	set_comm("nonblock-pipe");
	x_pipe(p);
	x_fcntl(p[1], F_SETFL, O_NONBLOCK);
	scenario("pipe-nonblock-not-full", "nonblock-pipe", 13, 0, p[1], 0, 'p', 0, p[0]);
	x_close(p[0]); x_close(p[1]);

	set_comm("offset");
	fd = fresh("/tmp/ck", 0);
	for (int i = 0; i < 100; i++) x_write(fd, "x", 1);
	scenario("file-offset-100", "offset", 6, 0, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);

	fd = fresh("/tmp/ck", 0);
	x_lseek(fd, 4096, SEEK_SET);
	scenario("file-lseek-4096", "offset", 6, 0, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);

	fd = fresh("/tmp/ck", 0);
	x_write(fd, "0123456789", 10);
	x_close(fd);
	fd = x_open("/tmp/ck", O_WRONLY | O_APPEND, 0);
	scenario("file-append-after-10", "offset", 6, 0, fd, 0, 'a', "/tmp/ck", -1);
	x_close(fd);

	set_comm("args");
	fd = fresh("/tmp/ck", 0);
	scenario("flags-1", "args", 4, 0, fd, 1, 'f', "/tmp/ck", -1);
	scenario("flags-highbit", "args", 4, 0, fd, (long)(1UL << (8 * sizeof(long) - 1)), 'f',
		 "/tmp/ck", -1);
	scenario("bad-fd-minus1", "args", 4, 0, -1, 0, 'n', 0, -1);
	scenario("bad-fd-999", "args", 4, 0, 999, 0, 'n', 0, -1);
	x_close(fd);
	fd = x_open("/tmp/ck", O_RDONLY, 0);
	scenario("read-only-fd", "args", 4, 0, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);
	fd = x_open("/tmp/ck", O_WRONLY | O_TRUNC, 0);
	scenario("write-only-fd", "args", 4, 0, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);
	fd = x_open("/dev/null", O_WRONLY, 0);
	scenario("dev-null", "args", 4, 0, fd, 0, 'n', 0, -1);
	x_close(fd);
	fd = fresh("/tmp/ck", 0);
	scenario("pid-arg-12345", "args", 4, 12345, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);
	fd = fresh("/tmp/ck", 0);
	scenario("pid-arg-minus1", "args", 4, -1, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);
	fd = fresh("/tmp/ck", 0);
	scenario("twice-first", "args", 4, 0, fd, 0, 'f', "/tmp/ck", -1);
	scenario("twice-second", "args", 4, 0, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);

	set_comm("busy");
	for (volatile long i = 0; i < 20000000; i++) {}
	fd = fresh("/tmp/ck", 0);
	scenario("after-busy-loop", "busy", 4, 0, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);

	set_comm("faults");
	for (long i = 0; i < (long)sizeof(big); i += 4096) big[i] = 1;
	fd = fresh("/tmp/ck", 0);
	scenario("after-page-faults", "faults", 6, 0, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);

	set_comm("sleeper");
	for (int i = 0; i < 5; i++) {
		struct ts64 req = { 0, 2000000 };
		sc4(NR_CLOCK_NANOSLEEP, 0, 0, (long)&req, 0);
	}
	fd = fresh("/tmp/ck", 0);
	scenario("after-nanosleep", "sleeper", 7, 0, fd, 0, 'f', "/tmp/ck", -1);
	x_close(fd);
}

/* finding: the leaked file reference keeps a pipe's writer open */
static void finding_leak(void)
{
	int p[2], q[2];
	long n = 0, k, ret, last, lastq, nq = 0;

	set_comm("leak");
	x_pipe(p);
	ret = ckpt(0, p[1], 0);
	x_close(p[1]);
	x_fcntl(p[0], F_SETFL, O_NONBLOCK);
	while ((k = x_read(p[0], img + n, sizeof(img) - n)) > 0) n += k;
	last = k;
	/* control: same bytes written with write(2), writer closed */
	x_pipe(q);
	x_write(q[1], img, n);
	x_close(q[1]);
	x_fcntl(q[0], F_SETFL, O_NONBLOCK);
	while ((k = x_read(q[0], img + 32768, 32768)) > 0) nq += k;
	lastq = k;
	rec_begin('F');
	f_str("leak-pipe-no-eof");
	f_str("ckpt ret, bytes read, last read after writer closed (EOF=0, -EAGAIN=-11); "
	      "control pipe without checkpoint: bytes, last read");
	f_i64(ret); f_i64(n); f_i64(last); f_i64(nq); f_i64(lastq);
	rec_end();
	x_close(p[0]); x_close(q[0]);
}

/* finding: full non-blocking pipe -> checkpoint retries -EAGAIN forever */
static void finding_spin(void)
{
	int p[2];
	long n = 0, k;

	set_comm("spin");
	x_pipe(p);
	x_fcntl(p[1], F_SETFL, O_NONBLOCK);
	while ((k = x_write(p[1], big, 4096)) > 0) n += k;
	rec_begin('F');
	f_str("spin-start"); f_str("pipe filled, calling checkpoint on the write end");
	f_i64(n); f_i64(k);
	rec_end();
	flush_frame();
	sc3(__NR_ioctl, dfd, TCSBRK, 1);
	long ret = ckpt(0, p[1], 0);
	rec_begin('F');
	f_str("spin-returned"); f_str("checkpoint returned"); f_i64(ret);
	rec_end();
}

/* ---------- restart batch ---------- */
static unsigned char cases[48 << 20];

static unsigned long long le(const unsigned char *p, int n)
{
	unsigned long long v = 0;
	while (n--) v = (v << 8) | p[n];
	return v;
}

static void batch(void)
{
	long fd = x_open("/cases.bin", O_RDONLY, 0), n = 0, k;
	if (fd < 0) return;
	while (n < (long)sizeof(cases) && (k = x_read(fd, cases + n, sizeof(cases) - n)) > 0) n += k;
	x_close(fd);
	rec_begin('B');
	f_i64(n);
	rec_end();
	if (n < 12 || le(cases, 4) != 0x4c444e42u /* "BNDL" */) return;
	long count = (long)le(cases + 8, 4), at = 12;
	int p[2];
	x_pipe(p);
	for (long i = 0; i < count && at < n; i++) {
		const unsigned char *c = cases + at;
		long idlen = le(c, 2);
		const unsigned char *comm = c + 2 + idlen;
		int kind = c[2 + idlen + 16];
		unsigned long flags = (unsigned long)le(c + 2 + idlen + 17, 8);
		long ilen = (long)le(c + 2 + idlen + 25, 4);
		const unsigned char *im = c + 2 + idlen + 29;
		at += 2 + idlen + 29 + ilen;

		char cb[17];
		bcopy_(cb, comm, 16);
		cb[16] = 0;
		set_comm(cb);
		long tfd = fresh("/tmp/img", 0);
		x_write(tfd, im, ilen);
		x_close(tfd);
		tfd = x_open("/tmp/img", kind == 2 ? O_WRONLY : O_RDWR, 0);
		long c0 = ckpt(0, p[1], 0);
		long got = 0;
		while (c0 > 0 && got < IMG_SIZE && (k = x_read(p[0], img + got, IMG_SIZE - got)) > 0) got += k;
		long ret = rstr(0, kind == 1 ? -1 : tfd, (long)flags);
		long pos = x_lseek(tfd, 0, SEEK_CUR);
		long c1 = ckpt(0, p[1], 0);
		got = 0;
		while (c1 > 0 && got < IMG_SIZE && (k = x_read(p[0], img + got, IMG_SIZE - got)) > 0) got += k;
		x_close(tfd);
		rec_begin('R');
		f_i64(i);
		f_i64(ret);
		f_i64(pos);
		f_bytes(img + STRING_OFF, 16);
		f_i64(c1 - c0 - 1);
		if (c1 < 0 || got != IMG_SIZE) f_i64(c1);
		rec_end();
	}
	x_close(p[0]); x_close(p[1]);
}

static int env_is(char **envp, const char *k, const char *v)
{
	int kl = slen(k);
	for (; envp && *envp; envp++) {
		const char *e = *envp;
		int i = 0;
		while (i < kl && e[i] == k[i]) i++;
		if (i == kl && e[i] == '=') {
			const char *x = e + kl + 1;
			int j = 0;
			while (v[j] && x[j] == v[j]) j++;
			return !v[j] && !x[j];
		}
	}
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc; (void)argv;
	dfd = x_open("/dev/ttyS1", O_RDWR | 0400 /* O_NOCTTY */, 0);
	if (dfd < 0) dfd = 1;
	sc5(__NR_mount, (long)"proc", (long)"/proc", (long)"proc", 0, 0);
	sc1(__NR_uname, (long)uts);

	rec_begin('U');
	f_str(ABI_NAME);
	for (int i = 0; i < 6; i++) f_bytes(uts + 65 * i, 65);
	f_i64(IMG_SIZE);
	rec_end();

	if (env_is(envp, "crmode", "spin")) {
		finding_spin();
		drain_and_reboot();
	}
	if (env_is(envp, "crscen", "1")) {
		scenarios();
		finding_leak();
	}
	batch();

	rec_begin('Z');
	f_i64(ckpt(0, sc3(__NR_open, (long)"/dev/null", O_WRONLY, 0), 0));
	rec_end();
	drain_and_reboot();
	return 0;
}
