package lockdep

import (
	"fmt"
	"strings"
)

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
// usage bits and prints it in the "[HC0[0]:SC0[0]:HE1:SE1]" field of the irq reports.
// The zero value is process context with hardirqs and softirqs enabled.
//
// A hardirq handler runs with hardirqs disabled and a softirq with bottom halves
// disabled: InHardirq implies HardirqsOff and InSoftirq implies SoftirqsOff, whatever
// the caller sets.
type IRQContext struct {
	InHardirq   bool // running a hardirq handler (lockdep_hardirq_context): HC1
	InSoftirq   bool // running a softirq (curr->softirq_context): SC1
	HardirqsOff bool // local irqs disabled (spin_lock_irq, irqsave, local_irq_disable): HE0
	// SoftirqsOff is curr->softirqs_enabled == 0: bottom halves disabled
	// (spin_lock_bh, local_bh_disable), or serving a softirq: SE0. Disabling hardirqs
	// does not disable softirqs in lockdep's bookkeeping (a task in
	// spin_lock_irqsave prints HE0:SE1); the usage bits are the same either way.
	SoftirqsOff bool
	// HardirqCount is hardirq_count() >> HARDIRQ_SHIFT, the hardirq nesting in
	// preempt_count (the bracketed number after HC); 0 in a handler prints as 1.
	HardirqCount int
	// SoftirqCount is softirq_count() >> SOFTIRQ_SHIFT: 1 while serving a softirq
	// (SOFTIRQ_OFFSET) plus 2 per local_bh_disable level (SOFTIRQ_DISABLE_OFFSET), so
	// spin_lock_bh in process context is 2 (the bracketed number after SC); 0 in a
	// softirq prints as 1.
	SoftirqCount int
}

func (c IRQContext) hardirqsOff() bool { return c.HardirqsOff || c.InHardirq }
func (c IRQContext) softirqsOff() bool { return c.SoftirqsOff || c.InSoftirq }

// flags is the "[HC<n>[<n>]:SC<n>[<n>]:HE<n>:SE<n>]" field of print_usage_bug and
// print_bad_irq_dependency.
func (c IRQContext) flags() string {
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	hc, sc := c.HardirqCount, c.SoftirqCount
	if hc == 0 && c.InHardirq {
		hc = 1
	}
	if sc == 0 && c.InSoftirq {
		sc = 1
	}
	return fmt.Sprintf("[HC%d[%d]:SC%d[%d]:HE%d:SE%d]", b(c.InHardirq), hc, b(c.InSoftirq), sc,
		b(!c.hardirqsOff()), b(!c.softirqsOff()))
}

// Usage bit numbers (enum lock_usage_bit): bit 1 is READ, bit 2 is the direction
// (ENABLED), bits 2.. the irq state (HARDIRQ, SOFTIRQ).
const (
	bitUsedInHardirq  = 0
	bitEnabledHardirq = 2
	bitUsedInSoftirq  = 4
	bitEnabledSoftirq = 6
	bitUsed           = 8 // LOCK_USED; LOCK_USED_READ is 9
	numUsageBits      = 10
)

// Usage masks of lockdep_internals.h.
const (
	lockfUsedInIRQAll  = UsedInHardirq | UsedInHardirqRead | UsedInSoftirq | UsedInSoftirqRead
	lockfEnabledIRQAll = EnabledHardirq | EnabledHardirqRead | EnabledSoftirq | EnabledSoftirqRead
	lockfIRQ           = UsedInHardirq | EnabledHardirq | UsedInSoftirq | EnabledSoftirq // the write bits
	lockfIRQRead       = UsedInHardirqRead | EnabledHardirqRead | UsedInSoftirqRead | EnabledSoftirqRead
)

// markBits lists the bits mark_usage marks, in its order: USED_IN (hardirq, then
// softirq) unless a trylock, ENABLED (hardirq, then softirq) unless irqs are off, then
// LOCK_USED (LOCK_USED_READ for a read: mark_lock's substitution).
func markBits(ctx IRQContext, read, trylock bool) (bits [5]uint8, n int) {
	var r uint8
	if read {
		r = 1
	}
	if !trylock {
		if ctx.InHardirq {
			bits[n] = bitUsedInHardirq + r
			n++
		}
		if ctx.InSoftirq {
			bits[n] = bitUsedInSoftirq + r
			n++
		}
	}
	if !ctx.hardirqsOff() {
		bits[n] = bitEnabledHardirq + r
		n++
		if !ctx.softirqsOff() {
			bits[n] = bitEnabledSoftirq + r
			n++
		}
	}
	bits[n] = bitUsed + r
	n++
	return bits, n
}

// UsageOf is the usage an acquisition marks on its class: the kernel's mark_usage.
// A trylock marks no IN-… bits; a read acquisition marks INITIAL READ USE instead of
// INITIAL USE (mark_lock turns LOCK_USED into LOCK_USED_READ for readers).
func UsageOf(ctx IRQContext, read, trylock bool) Usage {
	var u Usage
	bits, n := markBits(ctx, read, trylock)
	for _, b := range bits[:n] {
		u |= 1 << b
	}
	return u
}

// exclusiveBit is exclusive_bit: the same state, the other direction, write.
func exclusiveBit(bit uint8) uint8 { return bit&^3 | (bit & 2) ^ 2 }

// stateName is state_name: "HARDIRQ", "SOFTIRQ-READ", ...
func stateName(bit uint8) string {
	s := [...]string{"HARDIRQ", "SOFTIRQ"}[bit>>2]
	if bit&1 != 0 {
		s += "-READ"
	}
	return s
}

// invertDirMask, exclusiveMask and originalMask are the kernel's helpers of
// check_irq_usage.
func invertDirMask(m Usage) Usage {
	return (m&lockfEnabledIRQAll)>>2 | (m&lockfUsedInIRQAll)<<2
}

func exclusiveMask(m Usage) Usage {
	e := invertDirMask(m)
	e |= (e & lockfIRQRead) >> 1
	e |= (e & lockfIRQ) << 1
	return e
}

func originalMask(m Usage) Usage { return exclusiveMask(m) }

// findExclusiveMatch is find_exclusive_match: the first bit of mask (below LOCK_USED)
// whose exclusive bit, write or read, is in excl.
func findExclusiveMatch(mask, excl Usage) (bit, exclBit uint8, ok bool) {
	for b := uint8(0); b < bitUsed; b++ {
		if mask&(1<<b) == 0 {
			continue
		}
		e := exclusiveBit(b)
		if excl&(1<<e) != 0 {
			return b, e, true
		}
		if excl&(1<<(e|1)) != 0 {
			return b, e | 1, true
		}
	}
	return 0, 0, false
}
