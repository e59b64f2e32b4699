/*
 * minimal.c - the smallest useful crconform testee (see protocol/PROTOCOL.md).
 *
 * Persistent mode only; hello, and restart of x86_64 images in the seed
 * profile. Every other request is answered "unsupported". Never-written
 * kernel memory (stack, fresh page, kmalloc) reads as zero here.
 *
 *   gcc -std=c99 -O2 -o minimal harness/testdata/minimal.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IMAGE (2u << 20) /* PROTOCOL.md: images up to 2 MiB */
#define MAX_FRAME ((4u << 20) + (1u << 16)) /* a 2 MiB image in hex, plus the other keys */

/* Looks up "key value" in the payload; returns the value (up to '\n') or NULL. */
static const char *val(const char *p, const char *key)
{
	size_t k = strlen(key);
	for (; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (strncmp(p, key, k) == 0 && p[k] == ' ')
			return p + k + 1;
	return NULL;
}

/* Whether a value (ending at '\n' or NUL) is exactly s. */
static int is(const char *v, const char *s)
{
	size_t n = strlen(s);
	return v && strncmp(v, s, n) == 0 && (v[n] == '\n' || v[n] == '\0');
}

static long long num(const char *p, const char *key)
{
	const char *v = val(p, key);
	return v ? strtoll(v, NULL, 10) : -1;
}

/* Decodes hex up to '\n' into out (at most cap bytes); returns the count, or -1. */
static int nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static long hex(const char *v, uint8_t *out, size_t cap)
{
	size_t n = 0;
	if (!v)
		return -1;
	for (; v[0] && v[0] != '\n'; v += 2) {
		int hi = nibble(v[0]), lo = nibble(v[1]);
		if (n == cap || hi < 0 || lo < 0)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return (long)n;
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* The restart being run: the image, the file position, the scratch buffer. */
static uint8_t *img, hbuf[224], kbuf[4096];
static size_t size, pos;

/* cr_read_obj_type: header, len <= n, payload (EOF just stops), type.
 * Returns 0 with *parent set, or -22. */
static int read_obj(uint8_t *buf, int n, int type, int32_t *parent)
{
	uint8_t h[8] = {0};
	size_t got = size - pos < 8 ? size - pos : 8;
	memcpy(h, img + pos, got);
	pos += got;
	int len = (int16_t)le(h + 2, 2);
	if (len < 0 || len > n)
		return -22;
	got = size - pos < (size_t)len ? size - pos : (size_t)len;
	memcpy(buf, img + pos, got);
	pos += got;
	if ((int16_t)le(h, 2) != type)
		return -22;
	*parent = (int32_t)le(h + 4, 4); /* >= 0x80000000 turns negative */
	return 0;
}

/* A negative parent is returned as is; any other non-zero one is -EINVAL. */
#define PARENT(p) ((p) < 0 ? (p) : (p) ? -22 : 0)

static int do_restart(uint8_t comm[16], int major, int minor, int patch)
{
	int32_t p, tcl;
	int rc;
	if ((rc = read_obj(hbuf, 224, 1, &p)) || (rc = PARENT(p)))
		return rc;
	if (le(hbuf, 8) != 0x00feed0cc0a2d200ull || le(hbuf + 14, 2) != 1 ||
	    le(hbuf + 8, 2) != (uint64_t)major || le(hbuf + 10, 2) != (uint64_t)minor ||
	    le(hbuf + 12, 2) != (uint64_t)patch || (le(hbuf + 24, 8) & ~1ull))
		return -22;
	if ((rc = read_obj(hbuf, 152, 101, &p)) || (rc = PARENT(p)))
		return rc;
	tcl = (int32_t)le(hbuf + 144, 4);
	if (tcl < 0 || tcl > 4096)
		return -22;
	if ((rc = read_obj(kbuf, tcl, 2, &p)))
		return rc;
	if (p < 0)
		return p;
	if (p == 0) { /* a positive parent leaves comm alone */
		memset(comm, 0, 16);
		memcpy(comm, kbuf, tcl < 16 ? (size_t)tcl : 16);
	}
	if ((rc = read_obj(hbuf, 8, 5001, &p)) || (rc = PARENT(p)))
		return rc;
	return le(hbuf, 8) == 0x002d2a0cc0deef00ull ? 0 : -22;
}

/* Answers one NUL-terminated request into out; returns the answer's length. */
static int answer(const char *q, char *out, size_t cap)
{
	const char *op = val(q, "op"), *abi = val(q, "abi"), *prof = val(q, "profile");
	const char *file = val(q, "file");
	if (is(op, "hello"))
		return snprintf(out, cap, "protocol 1\nname minimal\nops restart\nabis x86_64\nprofiles seed\n");
	int n = snprintf(out, cap, "id %lld\n", num(q, "id"));
	if (!is(op, "restart") || !is(abi, "x86_64") || !is(prof, "seed"))
		return n + snprintf(out + n, cap - n, "unsupported only x86_64 seed restart\n");
	uint8_t comm[16];
	long len = hex(val(q, "image"), img, MAX_IMAGE);
	if (!val(q, "flags") || !file || len < 0 || hex(val(q, "comm"), comm, 16) != 16)
		return n + snprintf(out + n, cap - n, "error bad image, comm or file\n");
	long long counter = num(q, "counter");
	int ret;
	size = (size_t)len;
	pos = 0;
	memset(hbuf, 0, sizeof hbuf);
	memset(kbuf, 0, sizeof kbuf);
	if (!is(val(q, "flags"), "0"))
		ret = -22;
	else if (is(file, "bad-fd"))
		ret = -9;
	else if (is(file, "write-only")) /* the context is made, then the read fails */
		ret = -9, counter++;
	else {
		counter++;
		ret = do_restart(comm, (int)num(q, "major"), (int)num(q, "minor"), (int)num(q, "patch"));
	}
	n += snprintf(out + n, cap - n, "ret %d\nconsumed %zu\ncounter %lld\ncomm ", ret, pos, counter);
	for (int i = 0; i < 16; i++)
		n += snprintf(out + n, cap - n, "%02x", comm[i]);
	return n + snprintf(out + n, cap - n, "\n");
}

int main(void)
{
	static char out[4096];
	char *q = malloc(MAX_FRAME + 1);
	uint8_t len[4];
	img = malloc(MAX_IMAGE);
	if (!q || !img)
		return 1;
	while (fread(len, 1, 4, stdin) == 4) {
		uint32_t n = (uint32_t)le(len, 4);
		if (n > MAX_FRAME || fread(q, 1, n, stdin) != n)
			return 1;
		q[n] = '\0';
		int m = answer(q, out, sizeof out);
		uint8_t hdr[4] = {(uint8_t)m, (uint8_t)(m >> 8), 0, 0};
		fwrite(hdr, 1, 4, stdout);
		fwrite(out, 1, (size_t)m, stdout);
		fflush(stdout); /* simplest correct rule: flush after every answer */
	}
	return 0;
}
