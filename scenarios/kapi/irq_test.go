package kapi

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ksim-dev/ksim/ksync"
)

func TestRequestIRQ(t *testing.T) {
	const irqfShared = 0x80
	for _, tc := range []struct {
		name      string
		handler   bool
		flags     int64
		dev       bool
		want      int64
		wantFires bool
	}{
		{"delivers the interrupt to the handler", true, 0, true, 0, true},
		{"shared line with dev_id", true, irqfShared, true, 0, true},
		{"shared line without dev_id", true, irqfShared, false, -ksync.EINVAL, false},
		{"NULL handler", false, 0, true, -ksync.EINVAL, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newTkWorld()
			tkUse(t, w)
			var fired bool
			var gotIRQ, gotDev, dev, ret int64
			handler := int64(w.fn(func(h *ksync.Task, args []int64) int64 {
				fired = true
				gotIRQ, gotDev = args[0], args[1]
				return int64(ksync.IRQHandled)
			}))
			if !tc.handler {
				handler = 0
			}
			tkExplore(t, ksync.Config{}, func(k *ksync.Kernel) {
				if tc.dev {
					dev = int64(k.NewObject("mydev", 64, ksync.RegionHeap).Addr())
				}
				k.KernelThread("insmod", func(task *ksync.Task) {
					ret = tkCall(t, task, "irq.c:10", "request_irq", 5, handler, tc.flags, tkString(k, "mydev"), dev)
					tkCall(t, task, "irq.c:11", "cpu_relax")
					tkCall(t, task, "irq.c:12", "free_irq", 5, dev)
				})
			})
			assert.Equal(t, tc.want, ret)
			assert.Equal(t, tc.wantFires, fired)
			if tc.wantFires {
				assert.Equal(t, int64(5), gotIRQ)
				assert.Equal(t, dev, gotDev)
			}
		})
	}
}
