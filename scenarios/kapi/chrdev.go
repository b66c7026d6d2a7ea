package kapi

import (
	"fmt"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Registering device files: char device numbers and cdevs (fs/char_dev.c), misc
// devices (drivers/char/misc.c), /proc files with proc_ops (fs/proc/generic.c),
// device classes and nodes (drivers/base/class.c, core.c), as 6.12 has them. What
// a registration leaves is in the execution's device-file table
// (ksync.FileTable), which the user processes of the harness (fops.go) open. Every
// registration and every open is a step on that table.

const (
	chrdevMajorMax      = 512 // CHRDEV_MAJOR_MAX
	chrdevMajorDynEnd   = 234 // CHRDEV_MAJOR_DYN_END
	chrdevMajorDynExtSt = 511 // CHRDEV_MAJOR_DYN_EXT_START
	chrdevMajorDynExtEn = 384 // CHRDEV_MAJOR_DYN_EXT_END
	fopsMinorBits       = 20
	fopsMinorMask       = 1<<fopsMinorBits - 1
	miscMajor           = 10  // MISC_MAJOR
	miscDynamicMinor    = 255 // MISC_DYNAMIC_MINOR
	miscDynamicMinors   = 128 // DYNAMIC_MINORS
	fopsEBUSY           = 16
	fopsEINVAL          = 22
	fopsENOENT          = 2
)

func init() {
	fs := "linux/fs.h"
	register(
		interp.Builtin{Name: "register_chrdev", Header: fs,
			Decl: "int register_chrdev(unsigned int major, const char *name, const struct file_operations *fops);",
			Impl: registerChrdev},
		interp.Builtin{Name: "unregister_chrdev", Header: fs,
			Decl: "void unregister_chrdev(unsigned int major, const char *name);",
			Impl: unregisterChrdev},
		interp.Builtin{Name: "alloc_chrdev_region", Header: fs,
			Decl: "int alloc_chrdev_region(dev_t *dev, unsigned int baseminor, unsigned int count, const char *name);",
			Impl: allocChrdevRegion},
		interp.Builtin{Name: "register_chrdev_region", Header: fs,
			Decl: "int register_chrdev_region(dev_t from, unsigned int count, const char *name);",
			Impl: registerChrdevRegion},
		interp.Builtin{Name: "unregister_chrdev_region", Header: fs,
			Decl: "void unregister_chrdev_region(dev_t from, unsigned int count);",
			Impl: unregisterChrdevRegion},
		interp.Builtin{Name: "noop_llseek", Header: fs,
			Decl: "loff_t noop_llseek(struct file *file, loff_t offset, int whence);",
			Impl: noopLlseek},
		interp.Builtin{Name: "cdev_init", Header: "linux/cdev.h",
			Decl: "void cdev_init(struct cdev *cdev, const struct file_operations *fops);",
			Impl: cdevInit},
		interp.Builtin{Name: "cdev_add", Header: "linux/cdev.h",
			Decl: "int cdev_add(struct cdev *p, dev_t dev, unsigned int count);",
			Impl: cdevAdd},
		interp.Builtin{Name: "cdev_del", Header: "linux/cdev.h",
			Decl: "void cdev_del(struct cdev *p);",
			Impl: cdevDel},
		interp.Builtin{Name: "misc_register", Header: "linux/miscdevice.h",
			Decl: "int misc_register(struct miscdevice *misc);",
			Impl: miscRegister},
		interp.Builtin{Name: "misc_deregister", Header: "linux/miscdevice.h",
			Decl: "void misc_deregister(struct miscdevice *misc);",
			Impl: miscDeregister},
		interp.Builtin{Name: "proc_create", Header: "linux/proc_fs.h",
			Decl: "struct proc_dir_entry *proc_create(const char *name, umode_t mode, struct proc_dir_entry *parent, const struct proc_ops *proc_ops);",
			Impl: func(c *interp.Call) int64 { return procCreate(c, 0) }},
		interp.Builtin{Name: "proc_create_data", Header: "linux/proc_fs.h",
			Decl: "struct proc_dir_entry *proc_create_data(const char *name, umode_t mode, struct proc_dir_entry *parent, const struct proc_ops *proc_ops, void *data);",
			Impl: func(c *interp.Call) int64 { return procCreate(c, c.Addr(4)) }},
		interp.Builtin{Name: "proc_remove", Header: "linux/proc_fs.h",
			Decl: "void proc_remove(struct proc_dir_entry *de);",
			Impl: procRemove},
		interp.Builtin{Name: "remove_proc_entry", Header: "linux/proc_fs.h",
			Decl: "void remove_proc_entry(const char *name, struct proc_dir_entry *parent);",
			Impl: removeProcEntry},
		interp.Builtin{Name: "proc_set_size", Header: "linux/proc_fs.h",
			Decl: "void proc_set_size(struct proc_dir_entry *de, loff_t size);",
			Impl: procSetSize},
		interp.Builtin{Name: "__ksim_proc_set_user", Header: "linux/proc_fs.h",
			Decl: "void __ksim_proc_set_user(struct proc_dir_entry *de, unsigned int uid, unsigned int gid);",
			Impl: procSetUser},
		interp.Builtin{Name: "pde_data", Header: "linux/proc_fs.h",
			Decl: "void *pde_data(const struct inode *inode);",
			Impl: pdeData},
		interp.Builtin{Name: "class_create", Header: "linux/device.h",
			Decl: "struct class *class_create(const char *name);",
			Impl: classCreate},
		interp.Builtin{Name: "class_destroy", Header: "linux/device.h",
			Decl: "void class_destroy(const struct class *cls);",
			Impl: classDestroy},
		interp.Builtin{Name: "device_create", Header: "linux/device.h",
			Decl: "struct device *device_create(const struct class *cls, struct device *parent, dev_t devt, void *drvdata, const char *fmt, ...);",
			Impl: deviceCreate},
		interp.Builtin{Name: "device_destroy", Header: "linux/device.h",
			Decl: "void device_destroy(const struct class *cls, dev_t devt);",
			Impl: deviceDestroy},
		interp.Builtin{Name: "try_module_get", Header: "linux/module.h",
			Decl: "_Bool try_module_get(struct module *module);",
			Impl: tryModuleGet},
		interp.Builtin{Name: "module_put", Header: "linux/module.h",
			Decl: "void module_put(struct module *module);",
			// kernel/module/main.c: a NULL module (built in) has no count;
			// rmmod waits for the processes, the count's only effect here.
			Impl: func(c *interp.Call) int64 { return 0 }},
	)
}

func fopsMkdev(major, minor int) uint64 { return uint64(major)<<fopsMinorBits | uint64(minor) }

// cname reads the C string at argument i (a name), at most 64 bytes.
func fopsName(c *interp.Call, i int) string {
	if c.Addr(i) == 0 {
		return ""
	}
	return c.T.CString("name", c.Addr(i), 64)
}

// objOf makes a kernel object standing for a struct the module sees only through a
// pointer (struct class, struct device, struct proc_dir_entry, a cdev_alloc'd
// cdev), of the header's size when it declares the struct.
func fopsObj(c *interp.Call, tag string, size int) *ksync.Buffer {
	if n, ok := worldOf(c).Sizeof(tag); ok && n > 0 {
		size = n
	}
	return c.K().NewObject(tag, size, ksync.RegionHeap)
}

// chrdevRegion is __register_chrdev_region (fs/char_dev.c): it returns the major
// (the one asked for, or a dynamic one) or a negative errno, printing the kernel's
// errors.
func chrdevRegion(c *interp.Call, fn string, major, baseminor, count int, name string) int {
	t := c.T
	if major >= chrdevMajorMax {
		t.Printk(fmt.Sprintf("CHRDEV \"%s\" major requested (%d) is greater than the maximum (%d)", name, major, chrdevMajorMax-1))
		return -fopsEINVAL
	}
	if count > fopsMinorMask+1-baseminor {
		t.Printk(fmt.Sprintf("CHRDEV \"%s\" minor range requested (%d-%d) is out of range of maximum range (%d-%d) for a single major",
			name, baseminor, baseminor+count-1, 0, fopsMinorMask))
		return -fopsEINVAL
	}
	t.MightSleepMutex("__register_chrdev_region", fn) // mutex_lock(&chrdevs_lock)
	ft := t.Files("__register_chrdev_region", true)
	if major == 0 {
		major = dynamicMajor(ft)
		if major < 0 {
			t.Printk(fmt.Sprintf("CHRDEV \"%s\" dynamic allocation region is full", name))
			return -fopsEBUSY
		}
	}
	for _, r := range ft.Regions {
		if !r.Removed && r.Major == major && baseminor < r.Minor+r.Count && r.Minor < baseminor+count {
			return -fopsEBUSY
		}
	}
	ft.Regions = append(ft.Regions, ksync.ChrRegion{Name: name, Major: major, Minor: baseminor, Count: count})
	return major
}

// dynamicMajor is find_dynamic_major: the highest free major from 254 down to
// CHRDEV_MAJOR_DYN_END, then from 511 down to 384.
func dynamicMajor(ft *ksync.FileTable) int {
	used := func(m int, hashed bool) bool {
		for _, r := range ft.Regions {
			if r.Removed {
				continue
			}
			if r.Major == m || hashed && r.Major%255 == m {
				return true
			}
		}
		return false
	}
	for i := 254; i >= chrdevMajorDynEnd; i-- {
		if !used(i, true) {
			return i
		}
	}
	for i := chrdevMajorDynExtSt; i >= chrdevMajorDynExtEn; i-- {
		if !used(i, false) {
			return i
		}
	}
	return -1
}

// registerChrdev is register_chrdev(major, name, fops): __register_chrdev(major, 0,
// 256, name, fops): a region of 256 minors, a cdev_alloc'd cdev with the fops, added
// for them. It returns the dynamic major when major is 0, else 0 on success.
func registerChrdev(c *interp.Call) int64 {
	major, name, fops := int(uint32(c.Args[0])), fopsName(c, 1), c.Addr(2)
	m := chrdevRegion(c, "__register_chrdev", major, 0, 256, name)
	if m < 0 {
		return int64(m)
	}
	cd := fopsObj(c, "cdev", 64)
	w := worldOf(c)
	if off, ok := w.Offsetof("cdev", "ops"); ok {
		c.K().Poke(cd.Addr()+uint64(off), 8, fops)
	}
	ft := c.T.Files("cdev_add", true)
	ft.Files = append(ft.Files, ksync.DevFile{Kind: ksync.FileChrdev, Name: name, Major: m, Minor: 0, Count: 256, Obj: cd.Addr()})
	if major != 0 {
		return 0
	}
	return int64(m)
}

// unregisterRegion is __unregister_chrdev_region: the region registered exactly so
// goes; it reports whether there was one.
func unregisterRegion(c *interp.Call, major, baseminor, count int) bool {
	c.T.MightSleepMutex("__unregister_chrdev_region") // mutex_lock(&chrdevs_lock)
	ft := c.T.Files("__unregister_chrdev_region", true)
	for i := range ft.Regions {
		r := &ft.Regions[i]
		if !r.Removed && r.Major == major && r.Minor == baseminor && r.Count == count {
			r.Removed = true
			return true
		}
	}
	return false
}

// unregisterChrdev is unregister_chrdev(major, name): __unregister_chrdev(major, 0,
// 256, name): the region, and the cdev register_chrdev made with it.
func unregisterChrdev(c *interp.Call) int64 {
	major := int(uint32(c.Args[0]))
	if !unregisterRegion(c, major, 0, 256) {
		return 0
	}
	ft := c.T.Files("cdev_del", true)
	for i := range ft.Files {
		f := &ft.Files[i]
		if !f.Removed && f.Kind == ksync.FileChrdev && f.Major == major && f.Minor == 0 && f.Count == 256 {
			f.Removed = true
			break
		}
	}
	return 0
}

// allocChrdevRegion is alloc_chrdev_region(&dev, baseminor, count, name): a dynamic
// major; *dev = MKDEV(major, baseminor).
func allocChrdevRegion(c *interp.Call) int64 {
	m := chrdevRegion(c, "alloc_chrdev_region", 0, int(uint32(c.Args[1])), int(uint32(c.Args[2])), fopsName(c, 3))
	if m < 0 {
		return int64(m)
	}
	c.T.StoreAt(c.Addr(0), 4, fopsMkdev(m, int(uint32(c.Args[1]))))
	return 0
}

// registerChrdevRegion is register_chrdev_region(from, count, name), for a range
// within one major (the kernel splits one that crosses majors).
func registerChrdevRegion(c *interp.Call) int64 {
	from := uint32(c.Args[0])
	m := chrdevRegion(c, "register_chrdev_region", int(from>>fopsMinorBits), int(from&fopsMinorMask), int(uint32(c.Args[1])), fopsName(c, 2))
	if m < 0 {
		return int64(m)
	}
	return 0
}

func unregisterChrdevRegion(c *interp.Call) int64 {
	from := uint32(c.Args[0])
	unregisterRegion(c, int(from>>fopsMinorBits), int(from&fopsMinorMask), int(uint32(c.Args[1])))
	return 0
}

// cdevInit is cdev_init(cdev, fops): memset(cdev, 0, sizeof *cdev),
// INIT_LIST_HEAD(&cdev->list), kobject_init, cdev->ops = fops.
func cdevInit(c *interp.Call) int64 {
	w, p := worldOf(c), c.Addr(0)
	size, ok := w.Sizeof("cdev")
	if !ok {
		c.T.Oops("ksim: the headers declare no struct cdev")
		return 0
	}
	c.T.StoreBytes("cdev_init", p, make([]byte, size))
	if off, ok := w.Offsetof("cdev", "list"); ok {
		c.T.StoreAt(p+uint64(off), 8, p+uint64(off))
		c.T.StoreAt(p+uint64(off)+8, 8, p+uint64(off))
	}
	if off, ok := w.Offsetof("cdev", "ops"); ok {
		c.T.StoreAt(p+uint64(off), 8, c.Addr(1))
	}
	return 0
}

// cdevAdd is cdev_add(p, dev, count): p->dev, p->count, and the device numbers map
// to p (kobj_map): an open of one of them finds p and its ops.
func cdevAdd(c *interp.Call) int64 {
	w, p, dev, count := worldOf(c), c.Addr(0), uint32(c.Args[1]), int(uint32(c.Args[2]))
	if off, ok := w.Offsetof("cdev", "dev"); ok {
		c.T.StoreAt(p+uint64(off), 4, uint64(dev))
	}
	if off, ok := w.Offsetof("cdev", "count"); ok {
		c.T.StoreAt(p+uint64(off), 4, uint64(count))
	}
	c.T.MightSleepMutex("kobj_map", "cdev_add") // mutex_lock(domain->lock)
	ft := c.T.Files("cdev_add", true)
	ft.Files = append(ft.Files, ksync.DevFile{Kind: ksync.FileChrdev, Major: int(dev >> fopsMinorBits), Minor: int(dev & fopsMinorMask), Count: count, Obj: p})
	return 0
}

// cdevDel is cdev_del(p): its device numbers no longer map to it (cdev_unmap); an
// open file keeps working, as in the kernel.
func cdevDel(c *interp.Call) int64 {
	c.T.MightSleepMutex("kobj_unmap", "cdev_del")
	ft := c.T.Files("cdev_del", true)
	for i := range ft.Files {
		if f := &ft.Files[i]; !f.Removed && f.Kind == ksync.FileChrdev && f.Obj == c.Addr(0) {
			f.Removed = true
		}
	}
	return 0
}

// miscRegister is misc_register(misc) (drivers/char/misc.c): under misc_mtx, a
// dynamic minor for MISC_DYNAMIC_MINOR (from DYNAMIC_MINORS-1 down), -EBUSY for a
// minor taken, the device node /dev/<name>, misc->this_device.
func miscRegister(c *interp.Call) int64 {
	t, w, misc := c.T, worldOf(c), c.Addr(0)
	fopsField := func(name string) uint64 {
		off, ok := w.Offsetof("miscdevice", name)
		if !ok {
			t.Oops("ksim: struct miscdevice has no field " + name)
			return 0
		}
		return misc + uint64(off)
	}
	minorAt, nameAt := fopsField("minor"), fopsField("name")
	if t.State() == ksync.Dead {
		return 0
	}
	minor := int(int32(t.LoadAt(minorAt, 4)))
	name := ""
	if a := t.LoadAt(nameAt, 8); a != 0 {
		name = t.CString("misc_register", a, 64)
	}
	mtx := c.K().MiscMutex()
	mtx.Lock(t)
	defer mtx.Unlock(t)
	ft := t.Files("misc_register", true)
	taken := func(m int) bool {
		for _, f := range ft.Files {
			if !f.Removed && f.Kind == ksync.FileMisc && f.Minor == m {
				return true
			}
		}
		return false
	}
	if minor == miscDynamicMinor {
		minor = -1
		for i := miscDynamicMinors - 1; i >= 0; i-- {
			if !taken(i) {
				minor = i
				break
			}
		}
		if minor < 0 {
			return -fopsEBUSY
		}
		t.StoreAt(minorAt, 4, uint64(minor))
	} else if taken(minor) {
		return -fopsEBUSY
	}
	dev := fopsObj(c, "device", 64)
	if off, ok := w.Offsetof("miscdevice", "this_device"); ok {
		t.StoreAt(misc+uint64(off), 8, dev.Addr())
	}
	ft.Files = append(ft.Files, ksync.DevFile{Kind: ksync.FileMisc, Name: name, Major: miscMajor, Minor: minor, Count: 1, Obj: misc})
	ft.Nodes = append(ft.Nodes, ksync.Node{Name: name, Major: miscMajor, Minor: minor})
	return 0
}

// miscDeregister is misc_deregister(misc): off misc_list, its node destroyed, its
// dynamic minor freed.
func miscDeregister(c *interp.Call) int64 {
	t := c.T
	mtx := c.K().MiscMutex()
	mtx.Lock(t)
	defer mtx.Unlock(t)
	ft := t.Files("misc_deregister", true)
	for i := range ft.Files {
		if f := &ft.Files[i]; !f.Removed && f.Kind == ksync.FileMisc && f.Obj == c.Addr(0) {
			f.Removed = true
			removeNode(ft, f.Major, f.Minor)
		}
	}
	return 0
}

func removeNode(ft *ksync.FileTable, major, minor int) {
	for i := range ft.Nodes {
		if n := &ft.Nodes[i]; !n.Removed && n.Major == major && n.Minor == minor {
			n.Removed = true
			return
		}
	}
}

// procCreate is proc_create_data(name, mode, parent, proc_ops, data): a /proc entry
// (a parent from proc_mkdir is not modelled: the entry is named by its own name).
// A name already there is proc_register's WARN, and NULL.
func procCreate(c *interp.Call, data uint64) int64 {
	t, name := c.T, fopsName(c, 0)
	ft := t.Files("proc_register", true)
	for _, f := range ft.Files {
		if !f.Removed && f.Kind == ksync.FileProc && f.Name == name {
			t.WarnMsg(fmt.Sprintf("proc_dir_entry '/proc/%s' already registered", name), "fs/proc/generic.c:377", "proc_register+0x1b9/0x230")
			return 0
		}
	}
	pde := fopsObj(c, "proc_dir_entry", 192)
	ft.Files = append(ft.Files, ksync.DevFile{Kind: ksync.FileProc, Name: name, Ops: c.Addr(3), Obj: pde.Addr(), Data: data})
	return int64(pde.Addr())
}

// procRemove is proc_remove(de): remove_proc_subtree(de->name, de->parent); NULL
// does nothing.
func procRemove(c *interp.Call) int64 {
	if c.Addr(0) == 0 {
		return 0
	}
	ft := c.T.Files("remove_proc_subtree", true)
	for i := range ft.Files {
		if f := &ft.Files[i]; !f.Removed && f.Kind == ksync.FileProc && f.Obj == c.Addr(0) {
			f.Removed = true
		}
	}
	return 0
}

// removeProcEntry is remove_proc_entry(name, parent): an entry not there is the
// kernel's WARN(1, "name '%s'\n", name).
func removeProcEntry(c *interp.Call) int64 {
	t, name := c.T, fopsName(c, 0)
	ft := t.Files("remove_proc_entry", true)
	for i := range ft.Files {
		if f := &ft.Files[i]; !f.Removed && f.Kind == ksync.FileProc && f.Name == name {
			f.Removed = true
			return 0
		}
	}
	t.WarnMsg(fmt.Sprintf("name '%s'", name), "fs/proc/generic.c:714", "remove_proc_entry+0x1c2/0x1e0")
	return 0
}

// procEntry is the table's entry of the proc_dir_entry at addr, nil if none.
func procEntry(ft *ksync.FileTable, addr uint64) *ksync.DevFile {
	for i := range ft.Files {
		if f := &ft.Files[i]; f.Kind == ksync.FileProc && f.Obj == addr {
			return f
		}
	}
	return nil
}

// procSetSize is proc_set_size(de, size): the size its inode gets (i_size).
func procSetSize(c *interp.Call) int64 {
	if f := procEntry(c.T.Files("proc_set_size", true), c.Addr(0)); f != nil {
		f.Size = c.Args[1]
	}
	return 0
}

// procSetUser is proc_set_user(de, uid, gid): the owner its inode gets; ksim's
// processes are root either way, and nothing checks permissions.
func procSetUser(c *interp.Call) int64 {
	c.T.Files("proc_set_user", true)
	return 0
}

// pdeData is pde_data(inode): the data proc_create_data was given, the inode's
// i_private.
func pdeData(c *interp.Call) int64 {
	off, ok := worldOf(c).Offsetof("inode", "i_private")
	if !ok {
		return 0
	}
	return int64(c.T.LoadAt(c.Addr(0)+uint64(off), 8))
}

// classCreate is class_create(name): a struct class (6.4's form, without the owner).
func classCreate(c *interp.Call) int64 {
	cls := fopsObj(c, "class", 96)
	c.T.Files("class_create", true).Classes++
	return int64(cls.Addr())
}

// classDestroy is class_destroy(cls): an error pointer or NULL does nothing.
func classDestroy(c *interp.Call) int64 {
	if c.Addr(0) == 0 || c.Addr(0) >= maxErrnoAddr {
		return 0
	}
	c.T.Files("class_destroy", true).Classes--
	return 0
}

// maxErrnoAddr is the first ERR_PTR value: IS_ERR_VALUE.
const maxErrnoAddr = ^uint64(4095 - 1)

// deviceCreate is device_create(cls, parent, devt, drvdata, fmt, ...): the node
// /dev/<name> udev makes for devt.
func deviceCreate(c *interp.Call) int64 {
	name := diagFormat(c, 4)
	devt := uint32(c.Args[2])
	dev := fopsObj(c, "device", 64)
	ft := c.T.Files("device_create", true)
	ft.Nodes = append(ft.Nodes, ksync.Node{Name: name, Major: int(devt >> fopsMinorBits), Minor: int(devt & fopsMinorMask)})
	return int64(dev.Addr())
}

// deviceDestroy is device_destroy(cls, devt): the node goes.
func deviceDestroy(c *interp.Call) int64 {
	devt := uint32(c.Args[1])
	removeNode(c.T.Files("device_destroy", true), int(devt>>fopsMinorBits), int(devt&fopsMinorMask))
	return 0
}

// tryModuleGet is try_module_get(module) (include/linux/module.h): NULL (THIS_MODULE
// of ksim's one module) is always true; a module being unloaded is not got.
func tryModuleGet(c *interp.Call) int64 {
	if c.Addr(0) == 0 {
		return 1
	}
	return taskFlag(!c.K().ModuleGone())
}

// noopLlseek is noop_llseek(file, offset, whence) (fs/read_write.c): file->f_pos,
// unchanged.
func noopLlseek(c *interp.Call) int64 {
	off, ok := worldOf(c).Offsetof("file", "f_pos")
	if !ok {
		return 0
	}
	return int64(c.T.LoadAt(c.Addr(0)+uint64(off), 8))
}
