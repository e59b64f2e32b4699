/* seed-c shim: the task's fs_struct (only root is used). */
#ifndef _SHIM_LINUX_FS_STRUCT_H
#define _SHIM_LINUX_FS_STRUCT_H
#include <linux/path.h>
struct fs_struct {
	struct path root;
	struct path pwd;
};
#endif
