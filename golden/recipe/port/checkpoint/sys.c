// SPDX-License-Identifier: GPL-2.0
/*
 * crconform port of the 2008 checkpoint/restart seed to Linux 6.1:
 * the two syscalls, image I/O, context allocation and the scratch buffer.
 * See golden/recipe/PORT.md for every difference from the 2.6.25 seed.
 */
#include <linux/sched.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/err.h>
#include <linux/syscalls.h>
#include <linux/ckpt.h>
#include <linux/ckpt_hdr.h>

/*
 * Image I/O. The seed calls vfs_write()/vfs_read() under set_fs(KERNEL_DS)
 * on a copy of f_pos and stores the position back; 6.1 has no set_fs, so
 * kernel_write()/kernel_read() on &file->f_pos. kernel_* WARN where vfs_*
 * quietly fail on the open mode, so the vfs_* mode checks come first and
 * give the vfs_* errors (-EBADF).
 *
 * Loop: a short transfer continues; -EAGAIN counts as 0 bytes and retries
 * (a full non-blocking pipe spins forever); a 0-byte transfer (EOF on
 * read) ends the loop with success; any other error is returned.
 */
int cr_kwrite(struct cr_ctx *ctx, void *buf, int count)
{
	struct file *file = ctx->file;
	ssize_t done;
	int left;

	for (left = count; left; left -= done) {
		if (!(file->f_mode & FMODE_WRITE))
			done = -EBADF;
		else if (!(file->f_mode & FMODE_CAN_WRITE))
			done = -EINVAL;
		else
			done = kernel_write(file, buf, left, &file->f_pos);
		if (done <= 0) {
			if (done != -EAGAIN)
				return done;
			done = 0;
		}
		buf += done;
	}
	ctx->total += count;
	return 0;
}

int cr_kread(struct cr_ctx *ctx, void *buf, int count)
{
	struct file *file = ctx->file;
	ssize_t done;
	int left;

	for (left = count; left; left -= done) {
		if (!(file->f_mode & FMODE_READ))
			done = -EBADF;
		else if (!(file->f_mode & FMODE_CAN_READ))
			done = -EINVAL;
		else
			done = kernel_read(file, buf, left, &file->f_pos);
		if (done <= 0) {
			if (done != -EAGAIN)
				return done;
			done = 0;
		}
		buf += done;
	}
	ctx->total += count;
	return 0;
}

/* Global context counter: one increment per allocated context. */
static atomic_t cr_ctx_count;

static void cr_ctx_free(struct cr_ctx *ctx)
{
	/* Drops one file reference: the extra one taken below stays (leak). */
	if (ctx->file)
		fput(ctx->file);
	if (ctx->vfsroot)
		path_put(ctx->vfsroot);
	if (ctx->hbuf)
		free_pages((unsigned long)ctx->hbuf, CR_HBUF_ORDER);
	kfree(ctx);
}

static struct cr_ctx *cr_ctx_alloc(pid_t pid, int fd, unsigned long flags)
{
	struct cr_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ctx->file = fget(fd);
	if (!ctx->file) {
		cr_ctx_free(ctx);
		return ERR_PTR(-EBADF);
	}
	get_file(ctx->file);	/* the seed's second reference, never dropped */

	/* two pages, not zeroed */
	ctx->hbuf = (void *)__get_free_pages(GFP_KERNEL, CR_HBUF_ORDER);
	if (!ctx->hbuf) {
		cr_ctx_free(ctx);
		return ERR_PTR(-ENOMEM);
	}
	ctx->pid = pid;
	ctx->flags = flags;
	ctx->vfsroot = &current->fs->root;
	path_get(ctx->vfsroot);
	ctx->crid = atomic_inc_return(&cr_ctx_count);
	return ctx;
}

/* Reserve n bytes of the scratch buffer at the current position. */
void *cr_hbuf_get(struct cr_ctx *ctx, int n)
{
	void *p;

	BUG_ON(ctx->hpos + n > CR_HBUF_TOTAL);
	p = (char *)ctx->hbuf + ctx->hpos;
	ctx->hpos += n;
	return p;
}

/* Release the last n reserved bytes. */
void cr_hbuf_put(struct cr_ctx *ctx, int n)
{
	BUG_ON(ctx->hpos < n);
	ctx->hpos -= n;
}

/* sys_checkpoint(pid, fd, flags): nr 451 on x86_64 and i386. */
SYSCALL_DEFINE3(checkpoint, pid_t, pid, int, fd, unsigned long, flags)
{
	struct cr_ctx *ctx;
	int ret;

	if (flags)
		return -EINVAL;
	ctx = cr_ctx_alloc(pid, fd, flags | CR_CTX_CKPT);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	ret = do_checkpoint(ctx);
	cr_ctx_free(ctx);
	return ret;
}

/* sys_restart(crid, fd, flags): nr 452 on x86_64 and i386. */
SYSCALL_DEFINE3(restart, int, crid, int, fd, unsigned long, flags)
{
	struct cr_ctx *ctx;
	int ret;

	if (flags)
		return -EINVAL;
	ctx = cr_ctx_alloc(crid, fd, flags | CR_CTX_RSTR);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	ret = do_restart(ctx);
	cr_ctx_free(ctx);
	return ret;
}
