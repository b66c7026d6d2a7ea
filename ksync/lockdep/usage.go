package lockdep

import "strings"

// Usage is a lock class's usage bitset, the kernel's enum lock_usage_bit: for each
// irq kind, whether the class was taken in that irq context (IN-…) and whether it
// was taken with that irq enabled (…-ON), for write (-W) and read (-R) acquisitions.
type Usage uint16

// The usage bits, in the kernel's order (lockdep_states.h, LOCK_USED last).
const (
	UsedInHardirq      Usage = 1 << iota // IN-HARDIRQ-W: taken for write in a hardirq handler
	UsedInHardirqRead                    // IN-HARDIRQ-R: taken for read in a hardirq handler
	EnabledHardirq                       // HARDIRQ-ON-W: taken for write with hardirqs enabled
	EnabledHardirqRead                   // HARDIRQ-ON-R: taken for read with hardirqs enabled
	UsedInSoftirq                        // IN-SOFTIRQ-W: taken for write in a softirq
	UsedInSoftirqRead                    // IN-SOFTIRQ-R: taken for read in a softirq
	EnabledSoftirq                       // SOFTIRQ-ON-W: taken for write with softirqs enabled
	EnabledSoftirqRead                   // SOFTIRQ-ON-R: taken for read with softirqs enabled
	Used                                 // INITIAL USE: taken at all
	UsedRead                             // INITIAL READ USE: taken for read at all
)

var usageNames = [...]string{
	"IN-HARDIRQ-W", "IN-HARDIRQ-R", "HARDIRQ-ON-W", "HARDIRQ-ON-R",
	"IN-SOFTIRQ-W", "IN-SOFTIRQ-R", "SOFTIRQ-ON-W", "SOFTIRQ-ON-R",
	"INITIAL USE", "INITIAL READ USE",
}

// Names lists the kernel's names of the bits set, in bit order ("IN-HARDIRQ-W", …).
func (u Usage) Names() []string {
	var ns []string
	for i, n := range usageNames {
		if u&(1<<i) != 0 {
			ns = append(ns, n)
		}
	}
	return ns
}

// String is the names of the bits set, comma separated, in braces as the kernel
// prints a usage state: "{IN-HARDIRQ-W}".
func (u Usage) String() string { return "{" + strings.Join(u.Names(), ",") + "}" }

// Chars is the four usage characters lockdep prints between braces — hardirq write,
// hardirq read, softirq write, softirq read — each '.' (never), '+' (taken with that
// irq enabled), '-' (taken in that irq context) or '?' (both); the kernel's
// get_usage_chars. A class taken for write in process context with irqs on is
// "+.+.", one only ever read-locked there ".+.+", one taken both ways "++++".
func (u Usage) Chars() string {
	var c [4]byte
	i := 0
	for _, base := range [...]uint{0, 4} { // hardirq, softirq
		for r := uint(0); r < 2; r++ { // write, read
			in, on := u&(1<<(base+r)) != 0, u&(1<<(base+r+2)) != 0
			switch {
			case on && in:
				c[i] = '?'
			case on:
				c[i] = '+'
			case in:
				c[i] = '-'
			default:
				c[i] = '.'
			}
			i++
		}
	}
	return string(c[:])
}

// IRQContext is the irq state of the acquiring task, as lockdep samples it for the
// usage bits. The zero value is process context with hardirqs and softirqs enabled.
type IRQContext struct {
	InHardirq   bool // running a hardirq handler (lockdep_hardirq_context)
	InSoftirq   bool // running a softirq (curr->softirq_context)
	HardirqsOff bool // local irqs disabled (spin_lock_irq, irqsave, in a hardirq)
	SoftirqsOff bool // bottom halves disabled (spin_lock_bh, local_bh_disable, in a softirq)
}

// UsageOf is the usage an acquisition marks on its class: the kernel's mark_usage.
// A trylock marks no IN-… bits.
func UsageOf(ctx IRQContext, read, trylock bool) Usage {
	var u Usage = Used
	if read {
		u |= UsedRead
	}
	if !trylock {
		if ctx.InHardirq {
			u |= pick(read, UsedInHardirqRead, UsedInHardirq)
		}
		if ctx.InSoftirq {
			u |= pick(read, UsedInSoftirqRead, UsedInSoftirq)
		}
	}
	if !ctx.HardirqsOff {
		u |= pick(read, EnabledHardirqRead, EnabledHardirq)
		if !ctx.SoftirqsOff {
			u |= pick(read, EnabledSoftirqRead, EnabledSoftirq)
		}
	}
	return u
}

func pick(read bool, r, w Usage) Usage {
	if read {
		return r
	}
	return w
}
