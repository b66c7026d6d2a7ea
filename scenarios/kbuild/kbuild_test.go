package kbuild

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ksim-dev/ksim/scenarios/cfront"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// kbuildDir is a module directory: the build file and empty sources.
func kbuildDir(build string, files ...string) fstest.MapFS {
	fs := fstest.MapFS{"Makefile": {Data: []byte(build)}}
	for _, f := range files {
		fs[f] = &fstest.MapFile{Data: []byte("int x;\n")}
	}
	return fs
}

// LDD3's scull Makefile, verbatim but for its recipe's indentation.
const kbuildLDD3 = `# Comment/uncomment the following line to disable/enable debugging
#DEBUG = y


# Add your debugging flag (or not) to CFLAGS
ifeq ($(DEBUG),y)
  DEBFLAGS = -O -g -DSCULL_DEBUG # "-O" is needed to expand inlines
else
  DEBFLAGS = -O2
endif

EXTRA_CFLAGS += $(DEBFLAGS)
EXTRA_CFLAGS += -I$(LDDINC)

ifneq ($(KERNELRELEASE),)
# call from kernel build system

scull-objs := main.o pipe.o access.o

obj-m	:= scull.o

else

KERNELDIR ?= /lib/modules/$(shell uname -r)/build
PWD       := $(shell pwd)

modules:
	$(MAKE) -C $(KERNELDIR) M=$(PWD) LDDINC=$(PWD)/../include modules

endif



clean:
	rm -rf *.o *~ core .depend .*.cmd *.ko *.mod.c .tmp_versions

depend .depend dep:
	$(CC) $(EXTRA_CFLAGS) -M *.c > .depend


ifeq (.depend,$(wildcard .depend))
include .depend
endif
`

func TestKbuildRead(t *testing.T) {
	for _, tc := range []struct {
		name, build string
		files       []string
		want        []Module
		warn        []string
	}{
		{"LKMPG startstop", "obj-m += startstop.o\nstartstop-objs := start.o stop.o\n", []string{"start.c", "stop.c"},
			[]Module{{Name: "startstop", Pos: cfront.Pos{Line: 1, Col: 10},
				Sources: []Source{{"start.c", cfront.Pos{Line: 2, Col: 19}}, {"stop.c", cfront.Pos{Line: 2, Col: 27}}}}}, nil},
		{"LDD3 scull: the recipe's LDDINC, the kernel build's branch", kbuildLDD3, []string{"main.c", "pipe.c", "access.c"},
			[]Module{{Name: "scull", Pos: cfront.Pos{Line: 20, Col: 10}, Includes: []string{"../include"},
				Sources: []Source{{"main.c", cfront.Pos{Line: 18, Col: 15}}, {"pipe.c", cfront.Pos{Line: 18, Col: 22}}, {"access.c", cfront.Pos{Line: 18, Col: 29}}}}},
			nil}, // ($(wildcard .depend) is empty: .depend is not included)
		{"one object per module, several modules, -y and +=", "obj-m := a.o b.o\nb-y := b1.o\nb-y += sub/b2.o\nccflags-y := -I$(src)/include -DDEBUG -DN=4 -Wall\n",
			[]string{"a.c", "b1.c", "sub/b2.c"},
			[]Module{
				{Name: "a", Pos: cfront.Pos{Line: 1, Col: 10}, Includes: []string{"include"}, Defines: []string{"DEBUG", "N=4"},
					Sources: []Source{{"a.c", cfront.Pos{Line: 1, Col: 10}}}},
				{Name: "b", Pos: cfront.Pos{Line: 1, Col: 14}, Includes: []string{"include"}, Defines: []string{"DEBUG", "N=4"},
					Sources: []Source{{"b1.c", cfront.Pos{Line: 2, Col: 8}}, {"sub/b2.c", cfront.Pos{Line: 3, Col: 8}}}},
			}, nil},
		{"continuation lines, ifdef, else ifeq, unresolved flags", "ifdef KERNELRELEASE\nobj-m := m.o\nm-objs := x.o \\\n\ty.o\nelse ifeq (1,1)\nobj-m := wrong.o\nendif\nccflags-y += -I$(KDIR)/include -I/usr/include\nobj-$(CONFIG_FOO) += foo.o\n",
			[]string{"x.c", "y.c"},
			[]Module{{Name: "m", Pos: cfront.Pos{Line: 2, Col: 10},
				Sources: []Source{{"x.c", cfront.Pos{Line: 3, Col: 11}}, {"y.c", cfront.Pos{Line: 3, Col: 16}}}}},
			[]string{
				"Makefile:8: warning: $(KDIR) is not set where ksim reads the file (only a recipe or the environment sets it); flag \"-I/include\" skipped",
				"Makefile:8: warning: -I/usr/include: an absolute directory (host headers are never read); skipped",
				"Makefile:9: warning: obj-$(CONFIG_FOO): $(CONFIG_FOO) is not set (ksim has no kernel configuration); skipped",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Read(kbuildDir(tc.build, tc.files...), "Makefile", "Makefile")
			require.NoError(t, err)
			assert.Equal(t, tc.want, f.Modules)
			assert.Equal(t, tc.warn, f.Warnings)
		})
	}
}

func TestKbuildErrors(t *testing.T) {
	for _, tc := range []struct {
		name, build string
		files       []string
		want        string
	}{
		{"a missing object", "obj-m := m.o\nm-objs := a.o missing.o\n", []string{"a.c"},
			"Makefile:2:15: No rule to make target 'missing.o', needed by 'm.o' (there is no missing.c)\n"},
		{"a module without its file", "obj-m := gone.o\n", nil,
			"Makefile:1:10: No rule to make target 'gone.o', needed by 'gone.o' (there is no gone.c)\n"},
		{"an object outside the tree", "obj-m := m.o\nm-y := ../x.o\n", nil,
			"Makefile:2:8: m: object ../x.o is outside the module's directory\n"},
		{"no obj-m", "all:\n\tmake -C /lib/modules M=$(PWD)\n", nil,
			"Makefile: no module: the file sets no obj-m (want obj-m := NAME.o)\n"},
		{"only the other branch", "ifeq ($(KERNELRELEASE),)\nobj-m := m.o\nendif\n", []string{"m.c"},
			"Makefile: no module: the file sets no obj-m (want obj-m := NAME.o)\n"},
		{"unbalanced conditionals", "obj-m := m.o\nifdef X\n", []string{"m.c"}, "Makefile: missing 'endif'\n"},
		{"not an object", "obj-m := m.c\n", []string{"m.c"}, "Makefile:1:10: obj-m names \"m.c\", not an object NAME.o\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(kbuildDir(tc.build, tc.files...), "Makefile", "Makefile")
			require.Error(t, err)
			var list cfront.ErrorList
			require.ErrorAs(t, err, &list)
			assert.Equal(t, tc.want, list.Detail())
		})
	}
}

func TestKbuildFind(t *testing.T) {
	assert.Equal(t, "Kbuild", Find(fstest.MapFS{"Kbuild": {}, "Makefile": {}}), "kbuild reads Kbuild first")
	assert.Equal(t, "Makefile", Find(fstest.MapFS{"Makefile": {}}))
	assert.Equal(t, "", Find(fstest.MapFS{"a.c": {}}))
}

// Nothing a build file holds makes Read panic or run away.
func FuzzKbuildRead(f *testing.F) {
	f.Add(kbuildLDD3)
	f.Add("obj-m := $(a)\na = $(b)\nb = $(a)\n")
	f.Add("ifeq (\nelse\nendif\nendif\n$(\n")
	f.Fuzz(func(t *testing.T, build string) {
		_, _ = Read(kbuildDir(build, "a.c"), "Makefile", "Makefile")
	})
}

// Variables that refer to each other many times over stop expanding, unresolved,
// at once.
func TestKbuildExpansionBounded(t *testing.T) {
	build := "a = $(b)$(b)$(b)$(b)$(b)$(b)\nb = $(a)$(a)$(a)$(a)$(a)$(a)\nobj-m := m.o $(a)\n"
	f, err := Read(kbuildDir(build, "m.c"), "Makefile", "Makefile")
	require.NoError(t, err)
	require.Len(t, f.Modules, 1)
	assert.NotEmpty(t, f.Warnings)
}
