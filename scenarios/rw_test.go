package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Reader-writer locks from kernel C: a reader that read-locks again while a writer
// has queued in between waits behind the writer, which waits for that reader: on a
// queued rwlock_t (kernel/locking/qrwlock.c) both spin forever, on an rw_semaphore
// (kernel/locking/rwsem.c) both sleep forever. Lockdep warns first in both cases: in
// process context neither read_lock nor down_read is a recursive reader. A read_lock
// in an interrupt handler is, and takes the lock past the waiting writer.
func TestReaderBehindQueuedWriter(t *testing.T) {
	const rw = `
static DEFINE_RWLOCK(table_lock);
static int table[4];

static int lookup(int i)
{
	int v;

	read_lock(&table_lock);		/* BUG: the caller holds it already */
	v = table[i];
	read_unlock(&table_lock);
	return v;
}

static int reader(void *data)
{
	int sum;

	read_lock(&table_lock);
	sum = lookup(0) + lookup(1);
	read_unlock(&table_lock);
	return sum;
}

static int writer(void *data)
{
	write_lock(&table_lock);
	table[0] = 1;
	write_unlock(&table_lock);
	return 0;
}
#pragma ksim threads reader writer
`
	const rwsem = `
static DECLARE_RWSEM(mmap_sem);
static int mapped;

static int fault(void)
{
	int v;

	down_read(&mmap_sem);		/* BUG: the caller holds it already */
	v = mapped;
	up_read(&mmap_sem);
	return v;
}

static int reader(void *data)
{
	int v;

	down_read(&mmap_sem);
	v = fault();
	up_read(&mmap_sem);
	return v;
}

static int writer(void *data)
{
	down_write(&mmap_sem);
	mapped = 1;
	up_write(&mmap_sem);
	return 0;
}
#pragma ksim threads reader writer
`
	const irq = `
#pragma ksim cpus 2
static DEFINE_RWLOCK(table_lock);
static int table[4];

static irqreturn_t dev_interrupt(int irq, void *dev_id)
{
	int v;

	read_lock(&table_lock);		/* in_interrupt(): does not queue behind the writer */
	v = table[0];
	read_unlock(&table_lock);
	return IRQ_HANDLED;
}

static int reader(void *data)
{
	int v;

	if (request_irq(5, dev_interrupt, 0, "dev", NULL))
		return 0;
	read_lock(&table_lock);
	v = table[1];
	read_unlock(&table_lock);
	free_irq(5, NULL);
	return v;
}

static int writer(void *data)
{
	unsigned long flags;

	write_lock_irqsave(&table_lock, flags);
	table[0] = 1;
	write_unlock_irqrestore(&table_lock, flags);
	return 0;
}
#pragma ksim threads reader writer
`
	for _, tc := range []struct {
		name   string
		src    string
		kinds  []string
		titles []string // every problem's title, in the order found
		nested string   // the function of the nested acquire
	}{
		{"rwlock_t", rw, []string{"lockup", "warning"}, []string{
			"WARNING: possible recursive locking detected",
			"watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [reader:2]",
			"watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [writer:3]",
		}, "lookup"},
		{"rw_semaphore", rwsem, []string{"deadlock", "warning"}, []string{
			"WARNING: possible recursive locking detected",
			"INFO: task reader:2 blocked for more than 120 seconds.",
		}, "fault"},
		{"read_lock in an irq handler", irq, []string{"ok"}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, res := runC(t, tc.src)
			require.True(t, res.Complete)
			assert.Equal(t, tc.kinds, Kinds(res))
			var titles []string
			for _, p := range res.Problems {
				titles = append(titles, p.Title)
			}
			assert.Equal(t, tc.titles, titles)
			if len(res.Problems) == 0 {
				return
			}
			// The warning is about the nested acquire, at the line that says BUG.
			assert.Contains(t, res.Problems[0].Report, " lock_acquire\n "+tc.nested+" (t.c:9)\n reader (t.c:20)\n")
			if tc.name == "rw_semaphore" {
				hung := res.Problems[1].Report
				assert.Contains(t, hung, "INFO: task writer:3 blocked for more than 120 seconds.\n")
				assert.Contains(t, hung, " schedule_preempt_disabled\n rwsem_down_read_slowpath\n down_read\n fault (t.c:9)\n reader (t.c:20)\n")
				assert.Contains(t, hung, " schedule_preempt_disabled\n rwsem_down_write_slowpath\n down_write\n writer (t.c:27)\n")
			}
		})
	}
}
