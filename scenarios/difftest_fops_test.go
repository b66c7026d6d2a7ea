package scenarios

// Differential testing of the user-process harness (kapi/fops.go): random modules
// that register a device file (register_chrdev, misc_register, proc_create) whose
// operations share state under locks, move data with copy_to_user / copy_from_user
// / put_user / get_user, and wait interruptibly (so that Ctrl-C ends some waits),
// driven by two or three processes of `#pragma ksim process`. DPOR and naive
// exhaustive search must agree (sdCompare).
//
//	go test ./scenarios -run TestDiffFops -v                       # CI size
//	go test ./scenarios -run TestDiffFops -v -ksim.long -timeout 2h # 4,000 modules
//	go test ./scenarios -run TestDiffFops -v -ksim.programs 500 -ksim.seed 7

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// fopsGen writes one random module.
type fopsGen struct {
	r *rand.Rand
	b strings.Builder
}

func (g *fopsGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *fopsGen) printf(format string, a ...any) { fmt.Fprintf(&g.b, format, a...) }

// fopsStmt is one statement of an operation's body.
func (g *fopsGen) fopsStmt() string {
	switch g.r.IntN(16) {
	case 0:
		return "spin_lock(&sl); g0++; spin_unlock(&sl);"
	case 1:
		return "mutex_lock(&mx); g1 = g1 + 1; mutex_unlock(&mx);"
	case 2:
		return "spin_lock(&sl); if (copy_to_user(buf, &g0, 1)) ret = -EFAULT; spin_unlock(&sl);"
	case 3:
		return "mutex_lock(&mx); if (copy_to_user(buf, &g1, 1)) ret = -EFAULT; mutex_unlock(&mx);"
	case 4:
		return "if (wait_for_completion_interruptible(&done)) return -ERESTARTSYS;"
	case 5:
		return "complete(&done);"
	case 6:
		return "if (mutex_lock_interruptible(&mx)) return -EINTR; g1 = g1 + 2; mutex_unlock(&mx);"
	case 7:
		return "if (down_interruptible(&sem)) return -EINTR; g0 = g0 + 3; up(&sem);"
	case 8:
		return "up(&sem);"
	case 9:
		return "if (put_user((char)g0, buf)) ret = -EFAULT;"
	case 10:
		return "{ char c = 0; if (get_user(c, buf)) ret = -EFAULT; else g1 = c; }"
	case 11:
		return "{ char k[4]; if (copy_from_user(k, buf, 4)) ret = -EFAULT; else g0 = k[0]; }"
	case 12:
		return "atomic_inc(&opens);"
	case 13:
		return "if (atomic_read(&opens) > 1) ret = -EBUSY;"
	case 14:
		return "spin_lock(&sl); if (get_user(g0, buf)) ret = -EFAULT; spin_unlock(&sl);"
	default:
		return "mutex_lock(&mx); spin_lock(&sl); g0 = g1; spin_unlock(&sl); mutex_unlock(&mx);"
	}
}

// small is 1, sometimes 2: how many statements or calls (naive search must
// finish).
func (g *fopsGen) small() int {
	if g.r.IntN(4) == 0 {
		return 2
	}
	return 1
}

func (g *fopsGen) body(n int) {
	for range n {
		g.printf("\t%s\n", g.fopsStmt())
	}
}

// fopsGenerate writes module number seed.
func fopsGenerate(seed uint64) string {
	g := &fopsGen{r: rand.New(rand.NewPCG(seed, 0x666f7073))}
	kind := g.pick("chrdev", "misc", "proc")
	g.printf("#include <linux/module.h>\n#include <linux/fs.h>\n#include <linux/miscdevice.h>\n#include <linux/proc_fs.h>\n")
	g.printf("#include <linux/spinlock.h>\n#include <linux/mutex.h>\n#include <linux/semaphore.h>\n#include <linux/completion.h>\n#include <linux/uaccess.h>\n\n")
	g.printf("static DEFINE_SPINLOCK(sl);\nstatic DEFINE_MUTEX(mx);\nstatic DEFINE_SEMAPHORE(sem, %d);\nstatic DECLARE_COMPLETION(done);\n", g.r.IntN(2))
	g.printf("static atomic_t opens = ATOMIC_INIT(0);\nstatic char g0, g1;\nstatic int major;\n\n")
	ops := []string{"read", "write"}
	if kind != "proc" {
		ops = append(ops, "unlocked_ioctl")
	} else {
		ops = append(ops, "proc_ioctl")
	}
	g.printf("static int f_open(struct inode *inode, struct file *file)\n{\n\tint ret = 0;\n")
	if g.r.IntN(4) == 0 {
		g.printf("\t%s\n", g.pick("atomic_inc(&opens);", "spin_lock(&sl); g1++; spin_unlock(&sl);", "if (atomic_read(&opens) > 0) ret = -EBUSY;"))
	}
	g.printf("\treturn ret;\n}\n\n")
	g.printf("static int f_release(struct inode *inode, struct file *file)\n{\n")
	if g.r.IntN(4) == 0 {
		g.printf("\t%s\n", g.pick("atomic_dec(&opens);", "complete(&done);", "mutex_lock(&mx); g0 = 0; mutex_unlock(&mx);"))
	}
	g.printf("\treturn 0;\n}\n\n")
	g.printf("static ssize_t f_read(struct file *file, char __user *buf, size_t n, loff_t *pos)\n{\n\tssize_t ret = 1;\n")
	g.body(g.small())
	g.printf("\treturn ret;\n}\n\n")
	g.printf("static ssize_t f_write(struct file *file, const char __user *ubuf, size_t n, loff_t *pos)\n{\n\tssize_t ret = n;\n\tchar __user *buf = (char __user *)ubuf;\n")
	g.body(g.small())
	g.printf("\treturn ret;\n}\n\n")
	g.printf("static long f_ioctl(struct file *file, unsigned int cmd, unsigned long arg)\n{\n\tlong ret = 0;\n\tchar __user *buf = (char __user *)arg;\n")
	g.body(g.small())
	g.printf("\treturn ret;\n}\n\n")
	if kind == "proc" {
		g.printf("static const struct proc_ops f_ops = {\n\t.proc_open = f_open,\n\t.proc_release = f_release,\n\t.proc_read = f_read,\n\t.proc_write = f_write,\n\t.proc_ioctl = f_ioctl,\n};\n\n")
	} else {
		g.printf("static const struct file_operations f_ops = {\n\t.open = f_open,\n\t.release = f_release,\n\t.read = f_read,\n\t.write = f_write,\n\t.unlocked_ioctl = f_ioctl,\n};\n\n")
	}
	path := ""
	switch kind {
	case "chrdev":
		g.printf("static int __init m_init(void)\n{\n\tmajor = register_chrdev(0, \"fdev\", &f_ops);\n\treturn major < 0 ? major : 0;\n}\n\n")
		g.printf("static void __exit m_exit(void)\n{\n\tunregister_chrdev(major, \"fdev\");\n")
		path = "/dev/fdev"
	case "misc":
		g.printf("static struct miscdevice f_misc = { .minor = MISC_DYNAMIC_MINOR, .name = \"fdev\", .fops = &f_ops };\n\n")
		g.printf("static int __init m_init(void)\n{\n\treturn misc_register(&f_misc);\n}\n\n")
		g.printf("static void __exit m_exit(void)\n{\n\tmisc_deregister(&f_misc);\n")
		path = "/dev/fdev"
	default:
		g.printf("static struct proc_dir_entry *pde;\n\n")
		g.printf("static int __init m_init(void)\n{\n\tpde = proc_create(\"fdev\", 0644, NULL, &f_ops);\n\treturn pde ? 0 : -ENOMEM;\n}\n\n")
		g.printf("static void __exit m_exit(void)\n{\n\tproc_remove(pde);\n")
		path = "/proc/fdev"
	}
	g.printf("\tpr_info(\"final %%d %%d %%d\\n\", g0, g1, atomic_read(&opens));\n}\n\nmodule_init(m_init);\nmodule_exit(m_exit);\n")
	nproc := 2
	if g.r.IntN(8) == 0 {
		nproc = 3
	}
	for i := range nproc {
		var calls []string
		for range 1 + g.r.IntN(8)/7 {
			calls = append(calls, g.pick("read 4", "write \"ab\"", "ioctl 0x1 buf", "ioctl 0x2 7"))
		}
		if g.r.IntN(3) == 0 {
			path = "" // the default: the first file registered
		}
		g.printf("#pragma ksim process p%d %s open %s release\n", i, path, strings.Join(calls, " "))
	}
	g.printf("#pragma ksim cpus %d\n", 2+g.r.IntN(3))
	return g.b.String()
}

func TestDiffFops(t *testing.T) {
	n := 16
	if sdRace {
		n = 4
	}
	if *sdLong {
		n = 4000
	}
	if *sdPrograms > 0 {
		n = *sdPrograms
	}
	tl := sdRunFamily(t, n, sdNaiveCap, fopsGenerate)
	t.Logf("fops difftest: %d compared, %d skipped (naive search over %d executions), %d disagreements; %v",
		tl.compared, tl.skipped, sdNaiveCap, tl.disagree, tl.elapsed)
	if tl.compared < n/5 { // naive search finishes for about a quarter of them
		t.Errorf("only %d of %d modules were small enough for naive search", tl.compared, n)
	}
}
