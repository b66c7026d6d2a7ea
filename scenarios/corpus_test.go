package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/scenarios/cfront"
	"github.com/ksim-dev/ksim/sched"
)

// corpusDir is the LKMPG corpus in the shared folder beside the repository: third-
// party modules, verbatim, with the verdicts they must get (expect.tsv).
const corpusDir = "../../shared/corpus/lkmpg"

// corpusMustRun are the corpus files that must run unmodified to their verdict: all
// of them since the driver API (issue 12). A file not listed may stop at `not
// modelled` errors only.
var corpusMustRun = map[string]bool{
	"hello-1.c": true, "hello-2.c": true, "hello-3.c": true, "hello-4.c": true, "hello-5.c": true,
	"example_mutex.c": true, "example_spinlock.c": true, "example_rwlock.c": true,
	"example_tasklet.c": true, "kmem_cache.c": true,
	"completions.c": true,                        // wait (kthread lifecycle)
	"sched.c":       true,                        // workqueues (wq)
	"intrpt.c":      true, "bh_threaded.c": true, // irq
	"bottomhalf.c": true, // irq + wq
	// fops: driven by the user-process harness
	"chardev.c": true, "chardev2.c": true, "ioctl.c": true, "procfs2.c": true,
	"static_key.c": true, // rcu (static keys) + fops
	"sleep.c":      true, // wait (wait queues) + fops
}

// corpusBugMentions is what the report of a corpus file whose verdict is a bug must
// name: the bug expect.tsv describes, not some other one.
var corpusBugMentions = map[string]string{
	"bottomhalf.c": "cancel_work_sync(&bottomhalf_work)",
}

// TestLKMPGCorpus runs the Linux Kernel Module Programming Guide's examples as
// written. A file ksim can run gets its expected verdict in a complete search; one
// that needs what ksim does not model yet fails with `not modelled` errors only,
// each naming the API, never a syntax or type error about correct code.
func TestLKMPGCorpus(t *testing.T) {
	table, err := os.ReadFile(filepath.Join(corpusDir, "expect.tsv"))
	if err != nil {
		t.Skipf("no LKMPG corpus at %s (it lives in the shared folder beside the repository): %v", corpusDir, err)
	}
	ran := map[string]bool{}
	for _, line := range strings.Split(string(table), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		require.GreaterOrEqual(t, len(cols), 2, line)
		file, verdict := cols[0], cols[1]
		t.Run(file, func(t *testing.T) {
			path := filepath.Join(corpusDir, file)
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			s, err := LoadDir(file, src, os.DirFS(corpusDir))
			if err != nil {
				var list cfront.ErrorList
				require.True(t, errors.As(err, &list), "%v", err)
				assert.False(t, corpusMustRun[file], "%s must load:\n%s", file, list.Detail())
				for _, e := range list {
					if e.Msg != "too many errors" {
						assert.Contains(t, e.Msg, "not modelled: ", "%s: only what ksim does not model may stop it", e)
					}
				}
				t.Logf("%s: %d not modelled, first %s", file, len(list), list[0])
				return
			}
			want := "ok"
			if strings.HasPrefix(verdict, "bug") {
				want = "bug"
			}
			// A bug found is final, whatever the rest of the search would find:
			// a file whose verdict is a bug is explored up to its first problem
			// (bottomhalf.c's GPIO interrupts force a full search that does not end
			// in a test's time). An "ok" needs the complete search.
			res := s.Explore(s.KernelConfig(), sched.Options{StopAtFirst: want == "bug"})
			require.NoError(t, res.Err)
			if want == "ok" {
				assert.True(t, res.Complete, res.Verdict())
				assert.Equal(t, []string{"ok"}, Kinds(res), "%s: %s", file, res.Verdict())
			} else {
				require.Contains(t, Kinds(res), want, "%s: %s", file, res.Verdict())
				if m := corpusBugMentions[file]; m != "" {
					assert.Contains(t, res.Problems[0].Report, m, "%s: the report must name the bug expect.tsv names", file)
				}
			}
			ran[file] = true
			t.Logf("%s: %s", file, res.Verdict())
		})
	}
	for f := range corpusMustRun {
		assert.True(t, ran[f], "%s did not run", f)
	}
}
