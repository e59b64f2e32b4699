// SPDX-License-Identifier: GPL-2.0
/*
 * crconform port of the 2008 checkpoint/restart seed to Linux 6.1:
 * reading an image back. Every check, its order and its return value are
 * the seed's. Only comm is restored. See golden/recipe/PORT.md.
 */
#include <linux/version.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/minmax.h>
#include <linux/ckpt.h>
#include <linux/ckpt_hdr.h>

/* Header into *h, then h->len (checked against n) payload bytes into buf. */
int cr_read_obj(struct cr_ctx *ctx, struct cr_hdr *h, void *buf, int n)
{
	int ret = cr_kread(ctx, h, sizeof(*h));

	if (ret < 0)
		return ret;
	if (h->len < 0 || h->len > n)
		return -EINVAL;
	return cr_kread(ctx, buf, h->len);
}

/* A record of the given type; returns its parent as an int (may be < 0). */
int cr_read_obj_type(struct cr_ctx *ctx, void *buf, int n, int type)
{
	struct cr_hdr h;	/* not initialised: EOF leaves stack bytes */
	int ret = cr_read_obj(ctx, &h, buf, n);

	if (ret)
		return ret;
	if (h.type != type)
		return -EINVAL;
	return h.parent;
}

int cr_read_string(struct cr_ctx *ctx, void *str, int len)
{
	return cr_read_obj_type(ctx, str, len, CR_HDR_STRING);
}

static int cr_read_head(struct cr_ctx *ctx)
{
	struct cr_hdr_head *hh = cr_hbuf_get(ctx, sizeof(*hh));
	int parent = cr_read_obj_type(ctx, hh, sizeof(*hh), CR_HDR_HEAD);

	if (parent < 0)
		return parent;
	if (parent != 0)
		return -EINVAL;
	if (hh->magic != CHECKPOINT_MAGIC_HEAD || hh->rev != CR_VERSION ||
	    hh->major != ((LINUX_VERSION_CODE >> 16) & 0xff) ||
	    hh->minor != ((LINUX_VERSION_CODE >> 8) & 0xff) ||
	    hh->patch != (LINUX_VERSION_CODE & 0xff))
		return -EINVAL;
	if (hh->flags & ~CR_CTX_CKPT)
		return -EINVAL;
	ctx->oflags = hh->flags;
	cr_hbuf_put(ctx, sizeof(*hh));
	return 0;
}

static int cr_read_tail(struct cr_ctx *ctx)
{
	struct cr_hdr_tail *hh = cr_hbuf_get(ctx, sizeof(*hh));
	int parent = cr_read_obj_type(ctx, hh, sizeof(*hh), CR_HDR_TAIL);

	if (parent < 0)
		return parent;
	if (parent != 0)
		return -EINVAL;
	if (hh->magic != CHECKPOINT_MAGIC_TAIL)
		return -EINVAL;
	cr_hbuf_put(ctx, sizeof(*hh));
	return 0;
}

static int cr_read_task_struct(struct cr_ctx *ctx)
{
	struct cr_hdr_task *hh = cr_hbuf_get(ctx, sizeof(*hh));
	struct task_struct *t = current;
	char *buf;
	int parent, ret;

	parent = cr_read_obj_type(ctx, hh, sizeof(*hh), CR_HDR_TASK);
	if (parent < 0)
		return parent;
	if (parent != 0)
		return -EINVAL;
	/* same test as the seed: s32 against PAGE_SIZE (unsigned long) */
	if (hh->task_comm_len < 0 || hh->task_comm_len > PAGE_SIZE)
		return -EINVAL;
	buf = kmalloc(hh->task_comm_len, GFP_KERNEL);	/* not zeroed */
	if (!buf)
		return -ENOMEM;
	ret = cr_read_string(ctx, buf, hh->task_comm_len);
	if (!ret) {
		/* written straight into comm; no NUL forced */
		memset(t->comm, 0, TASK_COMM_LEN);
		memcpy(t->comm, buf, min_t(int, hh->task_comm_len, TASK_COMM_LEN));
	}
	kfree(buf);
	cr_hbuf_put(ctx, sizeof(*hh));
	return ret;	/* a positive STRING parent travels up */
}

int do_restart(struct cr_ctx *ctx)
{
	int ret;

	ret = cr_read_head(ctx);
	if (ret < 0)
		return ret;
	ret = cr_read_task_struct(ctx);
	if (ret < 0)
		return ret;
	ret = cr_read_tail(ctx);
	if (ret < 0)
		return ret;
	return ret;
}
