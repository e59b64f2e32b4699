/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crconform port of the 2008 checkpoint/restart seed to Linux 6.1:
 * the per-operation context and the helpers shared by sys.c, checkpoint.c
 * and restart.c. See golden/recipe/PORT.md.
 */
#ifndef _LINUX_CKPT_H
#define _LINUX_CKPT_H

#include <linux/path.h>
#include <linux/fs.h>

#define CR_VERSION 1

/* One context per checkpoint or restart call. */
struct cr_ctx {
	pid_t pid;		/* argument, stored, never used */
	int crid;		/* value of the global counter for this context */
	unsigned long flags;	/* CR_CTX_CKPT or CR_CTX_RSTR */
	unsigned long oflags;	/* restart: HEAD.flags of the image */
	struct file *file;
	int total;		/* bytes moved */
	void *hbuf;		/* scratch buffer for record payloads (not zeroed) */
	int hpos;		/* bytes reserved in hbuf */
	struct path *vfsroot;
};

#define CR_CTX_CKPT 0x1
#define CR_CTX_RSTR 0x2

#define CR_HBUF_ORDER 1
#define CR_HBUF_TOTAL (PAGE_SIZE << CR_HBUF_ORDER)

struct cr_hdr;

int cr_kwrite(struct cr_ctx *ctx, void *buf, int count);
int cr_kread(struct cr_ctx *ctx, void *buf, int count);
void *cr_hbuf_get(struct cr_ctx *ctx, int n);
void cr_hbuf_put(struct cr_ctx *ctx, int n);

int cr_write_obj(struct cr_ctx *ctx, struct cr_hdr *h, void *buf);
int cr_write_string(struct cr_ctx *ctx, char *str, int len);
int cr_read_obj(struct cr_ctx *ctx, struct cr_hdr *h, void *buf, int n);
int cr_read_obj_type(struct cr_ctx *ctx, void *buf, int n, int type);
int cr_read_string(struct cr_ctx *ctx, void *str, int len);

int do_checkpoint(struct cr_ctx *ctx);
int do_restart(struct cr_ctx *ctx);

#endif /* _LINUX_CKPT_H */
