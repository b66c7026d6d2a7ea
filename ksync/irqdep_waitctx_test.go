package ksync

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

// invalidWaitContext is the text of res's "[ BUG: Invalid wait context ]" report.
func invalidWaitContext(t *testing.T, res *sched.Result) string {
	t.Helper()
	for _, p := range res.Problems {
		if p.Title == "[ BUG: Invalid wait context ]" {
			return p.Report
		}
	}
	require.Fail(t, "no invalid wait context report", res.Verdict())
	return ""
}

// The lock line of "[ BUG: Invalid wait context ]" prints the class's usage as it is
// when check_wait_context runs, before the acquisition marks its own bits (it comes
// first in __lock_acquire): "{....}" for a class never taken before, ".+.+" for an
// rw_semaphore read-locked before with irqs on. It printed "{+.+.}" whatever the
// class.
func TestInvalidWaitContextPrintsTheClassUsage(t *testing.T) {
	for _, c := range []struct {
		name   string
		before bool
		line   string
	}{
		{"first use", false, "ffffffffc0002040 (sem){....}-{3:3}, at: "},
		{"read-locked before", true, "ffffffffc0002040 (sem){.+.+}-{3:3}, at: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := explore(t, Config{}, func(k *Kernel) {
				l, s := k.DefineSpinlock("l"), k.DeclareRWSem("sem")
				k.KernelThread("reader", func(t *Task) {
					if c.before {
						s.DownRead(t)
						s.UpRead(t)
					}
					l.Lock(t)
					s.DownRead(t)
					s.UpRead(t)
					l.Unlock(t)
				})
			})
			r := invalidWaitContext(t, res)
			assert.Contains(t, r, "\nreader/2 is trying to lock:\n"+c.line)
		})
	}
}
