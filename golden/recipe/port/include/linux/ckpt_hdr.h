/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crconform port of the 2008 checkpoint/restart seed to Linux 6.1:
 * the image format (record header, record types, payload structs, magics).
 * Written for crconform from the seed's description; see golden/recipe/PORT.md.
 */
#ifndef _LINUX_CKPT_HDR_H
#define _LINUX_CKPT_HDR_H

#include <linux/types.h>
#include <linux/utsname.h>

/* Magic numbers (the seed adds them to linux/magic.h). */
#define CHECKPOINT_MAGIC_HEAD 0x00feed0cc0a2d200ULL
#define CHECKPOINT_MAGIC_TAIL 0x002d2a0cc0deef00ULL

/* Every record: this 8-byte header, then 'len' payload bytes. */
struct cr_hdr {
	__s16 type;
	__s16 len;
	__u32 parent;
};

enum {
	CR_HDR_HEAD = 1,
	CR_HDR_STRING = 2,
	CR_HDR_TASK = 101,
	CR_HDR_THREAD = 102,
	CR_HDR_CPU = 103,
	CR_HDR_MM = 201,
	CR_HDR_VMA = 202,
	CR_HDR_MM_CONTEXT = 203,
	CR_HDR_TAIL = 5001,
};

struct cr_hdr_head {
	__u64 magic;
	__u16 major;
	__u16 minor;
	__u16 patch;
	__u16 rev;
	__u64 time;	/* wall-clock seconds at checkpoint */
	__u64 flags;	/* context flags (CR_CTX_CKPT) */
	char release[__NEW_UTS_LEN];
	char version[__NEW_UTS_LEN];
	char machine[__NEW_UTS_LEN];
} __attribute__((aligned(8)));

struct cr_hdr_tail {
	__u64 magic;
} __attribute__((aligned(8)));

/*
 * Plain __u64 members: 8-byte aligned on x86_64 (padding at [20,24) and
 * [148,152), size 152), 4-byte aligned on i386 (no padding, size 144).
 */
struct cr_hdr_task {
	__u64 state;
	__u32 exit_state;
	__u32 exit_code;
	__u32 exit_signal;
	__u64 utime;
	__u64 stime;
	__u64 utimescaled;
	__u64 stimescaled;
	__u64 gtime;
	__u64 prev_utime;
	__u64 prev_stime;
	__u64 nvcsw;
	__u64 nivcsw;
	__u64 start_time_sec;
	__u64 start_time_nsec;
	__u64 real_start_time_sec;
	__u64 real_start_time_nsec;
	__u64 min_flt;
	__u64 maj_flt;
	__s32 task_comm_len;
} __attribute__((aligned(8)));

#endif /* _LINUX_CKPT_HDR_H */
