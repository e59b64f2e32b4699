/* seed-c shim: a path is two opaque pointers; path_get/path_put only count references. */
#ifndef _SHIM_LINUX_PATH_H
#define _SHIM_LINUX_PATH_H
struct path {
	void *mnt;
	void *dentry;
};
void path_get(const struct path *path);
void path_put(const struct path *path);
#endif
