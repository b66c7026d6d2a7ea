package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ksim-dev/ksim/sched"
)

func TestKbuildScratch(t *testing.T) {
	for _, n := range []string{"kbuild-abba", "kbuild-abba-fixed"} {
		m, w, err := BundledModule(n)
		require.NoError(t, err)
		t.Log(w)
		s, err := LoadModule(m)
		require.NoError(t, err, "%v", err)
		t.Logf("init %q exit %q threads %v files %v", s.Init, s.Exit, s.Threads, s.Files())
		res := s.Explore(s.KernelConfig(), sched.Options{})
		t.Logf("%s %v", res.Verdict(), Kinds(res))
		for _, p := range res.Problems {
			t.Log(p.Report)
		}
	}
	t.Log(Modules())
}
