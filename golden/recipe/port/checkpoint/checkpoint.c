// SPDX-License-Identifier: GPL-2.0
/*
 * crconform port of the 2008 checkpoint/restart seed to Linux 6.1:
 * writing an image (HEAD, TASK, STRING comm, TAIL) of the current task.
 * See golden/recipe/PORT.md for how each 2.6.25 field maps to 6.1.
 */
#include <linux/version.h>
#include <linux/sched.h>
#include <linux/sched/cputime.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#include <linux/ckpt.h>
#include <linux/ckpt_hdr.h>

#ifdef CONFIG_X86_64
static_assert(sizeof(struct cr_hdr_task) == 152);
static_assert(offsetof(struct cr_hdr_task, utime) == 24);
static_assert(offsetof(struct cr_hdr_task, task_comm_len) == 144);
#else
static_assert(sizeof(struct cr_hdr_task) == 144);
static_assert(offsetof(struct cr_hdr_task, utime) == 20);
static_assert(offsetof(struct cr_hdr_task, task_comm_len) == 140);
#endif
static_assert(sizeof(struct cr_hdr_head) == 224);
static_assert(sizeof(struct cr_hdr) == 8);

/* Header then payload. */
int cr_write_obj(struct cr_ctx *ctx, struct cr_hdr *h, void *buf)
{
	int ret = cr_kwrite(ctx, h, sizeof(*h));

	if (ret < 0)
		return ret;
	return cr_kwrite(ctx, buf, h->len);
}

int cr_write_string(struct cr_ctx *ctx, char *str, int len)
{
	struct cr_hdr h = { .type = CR_HDR_STRING, .len = len, .parent = 0 };

	return cr_write_obj(ctx, &h, str);
}

static int cr_write_head(struct cr_ctx *ctx)
{
	struct cr_hdr_head *hh = cr_hbuf_get(ctx, sizeof(*hh));
	struct cr_hdr h = { .type = CR_HDR_HEAD, .len = sizeof(*hh), .parent = 0 };
	struct new_utsname *uts = utsname();
	long sec = (long)ktime_get_real_seconds();	/* the seed's tv_sec */
	int ret;

	hh->magic = CHECKPOINT_MAGIC_HEAD;
	hh->major = (LINUX_VERSION_CODE >> 16) & 0xff;
	hh->minor = (LINUX_VERSION_CODE >> 8) & 0xff;
	hh->patch = LINUX_VERSION_CODE & 0xff;
	hh->rev = CR_VERSION;
	hh->flags = ctx->flags;
	hh->time = sec;
	memcpy(hh->release, uts->release, __NEW_UTS_LEN);
	memcpy(hh->version, uts->version, __NEW_UTS_LEN);
	memcpy(hh->machine, uts->machine, __NEW_UTS_LEN);

	ret = cr_write_obj(ctx, &h, hh);
	cr_hbuf_put(ctx, sizeof(*hh));
	return ret;
}

static int cr_write_tail(struct cr_ctx *ctx)
{
	struct cr_hdr_tail *hh = cr_hbuf_get(ctx, sizeof(*hh));
	struct cr_hdr h = { .type = CR_HDR_TAIL, .len = sizeof(*hh), .parent = 0 };
	int ret;

	hh->magic = CHECKPOINT_MAGIC_TAIL;
	ret = cr_write_obj(ctx, &h, hh);
	cr_hbuf_put(ctx, sizeof(*hh));
	return ret;
}

/* ns (6.1) to the seed's cputime unit (jiffies), as an unsigned long. */
static unsigned long cr_jiffies(u64 ns)
{
	return nsecs_to_jiffies(ns);
}

static int cr_write_task_struct(struct cr_ctx *ctx, struct task_struct *t)
{
	struct cr_hdr_task *hh = cr_hbuf_get(ctx, sizeof(*hh));
	struct cr_hdr h = { .type = CR_HDR_TASK, .len = sizeof(*hh), .parent = 0 };
	u64 uts_ns, sts_ns;
	u32 rem;
	int ret;

	/*
	 * Only named members are assigned: padding (x86_64 [20,24) and
	 * [148,152)) keeps what HEAD left in the scratch buffer.
	 */
	hh->state = (long)READ_ONCE(t->__state);
	hh->exit_state = t->exit_state;
	hh->exit_code = t->exit_code;
	hh->exit_signal = t->exit_signal;

	task_cputime_scaled(t, &uts_ns, &sts_ns);
	hh->utime = cr_jiffies(t->utime);
	hh->stime = cr_jiffies(t->stime);
	hh->utimescaled = cr_jiffies(uts_ns);
	hh->stimescaled = cr_jiffies(sts_ns);
	hh->gtime = cr_jiffies(t->gtime);
#ifndef CONFIG_VIRT_CPU_ACCOUNTING_NATIVE
	hh->prev_utime = cr_jiffies(t->prev_cputime.utime);
	hh->prev_stime = cr_jiffies(t->prev_cputime.stime);
#else
	hh->prev_utime = 0;
	hh->prev_stime = 0;
#endif
	hh->nvcsw = t->nvcsw;
	hh->nivcsw = t->nivcsw;
	hh->start_time_sec = (long)div_u64_rem(t->start_time, NSEC_PER_SEC, &rem);
	hh->start_time_nsec = (long)rem;
	hh->real_start_time_sec = (long)div_u64_rem(t->start_boottime, NSEC_PER_SEC, &rem);
	hh->real_start_time_nsec = (long)rem;
	hh->min_flt = t->min_flt;
	hh->maj_flt = t->maj_flt;
	hh->task_comm_len = TASK_COMM_LEN;

	ret = cr_write_obj(ctx, &h, hh);
	cr_hbuf_put(ctx, sizeof(*hh));
	if (ret < 0)
		return ret;
	return cr_write_string(ctx, t->comm, TASK_COMM_LEN);
}

static int cr_write_task(struct cr_ctx *ctx, struct task_struct *t)
{
	if (READ_ONCE(t->__state) == TASK_DEAD) {
		pr_warn("CR: task may not be in state TASK_DEAD\n");
		return -EAGAIN;
	}
	return cr_write_task_struct(ctx, t);
}

int do_checkpoint(struct cr_ctx *ctx)
{
	int ret;

	ret = cr_write_head(ctx);
	if (ret < 0)
		return ret;
	ret = cr_write_task(ctx, current);
	if (ret < 0)
		return ret;
	ret = cr_write_tail(ctx);
	if (ret < 0)
		return ret;
	return ctx->crid;	/* success: the context's counter value */
}
