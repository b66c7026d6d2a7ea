package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ksim-dev/ksim/sched"
)

func TestCompare(t *testing.T) {
	found := func(complete bool, kinds ...string) *sched.Result {
		res := &sched.Result{Complete: complete}
		for _, k := range kinds {
			res.Problems = append(res.Problems, &sched.Found{Problem: sched.Problem{Kind: k}})
		}
		return res
	}
	for _, tc := range []struct {
		name   string
		expect []string
		res    *sched.Result
		want   Match
	}{
		{"complete, exactly", []string{"deadlock"}, found(true, "deadlock"), Matches},
		{"complete, ok", []string{"ok"}, found(true), Matches},
		{"complete, two kinds in any order", []string{"warning", "deadlock"}, found(true, "deadlock", "warning"), Matches},
		{"complete, one missing", []string{"deadlock", "warning"}, found(true, "deadlock"), Contradicts},
		{"complete, nothing found", []string{"deadlock"}, found(true), Contradicts},
		{"stopped at the expected problem", []string{"deadlock"}, found(false, "deadlock"), Undecided},
		{"stopped, nothing yet", []string{"ok"}, found(false), Undecided},
		{"stopped at a problem where ok is expected", []string{"ok"}, found(false, "bug"), Contradicts},
		{"stopped at an unexpected kind", []string{"deadlock"}, found(false, "bug"), Contradicts},
	} {
		assert.Equal(t, tc.want, Compare(tc.expect, tc.res), tc.name)
		assert.Equal(t, tc.want == Matches, AsExpected(tc.expect, tc.res), tc.name)
	}
}
