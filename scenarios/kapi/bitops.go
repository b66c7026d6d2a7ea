package kapi

import (
	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// Bit operations on arrays of unsigned long in memory (include/linux/bitops.h,
// include/asm-generic/bitops/instrumented-atomic.h and instrumented-non-atomic.h):
// bit nr is bit nr % BITS_PER_LONG of word nr / BITS_PER_LONG (BIT_WORD, BIT_MASK).
// The atomic ones are one step on that word; the non-atomic __ ones a read and a
// write, which another task's update can come between, as on a real machine.

const hBitops = "linux/bitops.h"

// bitWord is the address of the word holding bit argument 0 of the bitmap at
// argument 1, and the bit's mask in it.
func bitWord(c *interp.Call) (addr, mask uint64) {
	nr := c.Int(0)
	w := nr >> 6 // BIT_WORD: a negative nr reaches the words before, as C's division does not; the kernel's nr is never negative
	return c.Addr(1) + uint64(w*8), 1 << (uint64(nr) & 63)
}

func init() {
	const params = "(long nr, volatile unsigned long *addr);"
	type bitop struct {
		name string
		f    func(old, mask uint64) uint64
	}
	set := func(o, m uint64) uint64 { return o | m }
	clr := func(o, m uint64) uint64 { return o &^ m }
	chg := func(o, m uint64) uint64 { return o ^ m }
	var bs []interp.Builtin
	for _, op := range []bitop{{"set_bit", set}, {"clear_bit", clr}, {"change_bit", chg}, {"clear_bit_unlock", clr}} {
		op := op
		bs = append(bs, interp.Builtin{Name: op.name, Header: hBitops, Decl: "void " + op.name + params,
			Impl: func(c *interp.Call) int64 {
				w, m := bitWord(c)
				c.T.RMWAt(op.name, w, 8, func(old uint64) uint64 { return op.f(old, m) })
				return 0
			}})
	}
	for _, op := range []bitop{{"test_and_set_bit", set}, {"test_and_clear_bit", clr}, {"test_and_change_bit", chg}, {"test_and_set_bit_lock", set}} {
		op := op
		bs = append(bs, interp.Builtin{Name: op.name, Header: hBitops, Decl: "bool " + op.name + params,
			Impl: func(c *interp.Call) int64 {
				w, m := bitWord(c)
				old := c.T.RMWAt(op.name, w, 8, func(old uint64) uint64 { return op.f(old, m) })
				return b2i(old&m != 0)
			}})
	}
	// The non-atomic forms: a plain read, then a plain write.
	for _, op := range []bitop{{"__set_bit", set}, {"__clear_bit", clr}, {"__change_bit", chg}} {
		op := op
		bs = append(bs, interp.Builtin{Name: op.name, Header: hBitops, Decl: "void " + op.name + params,
			Impl: func(c *interp.Call) int64 {
				w, m := bitWord(c)
				old := c.T.AtomicLoadAt(op.name, w, 8)
				c.T.AtomicStoreAt(op.name, w, 8, op.f(old, m))
				return 0
			}})
	}
	for _, op := range []bitop{{"__test_and_set_bit", set}, {"__test_and_clear_bit", clr}, {"__test_and_change_bit", chg}} {
		op := op
		bs = append(bs, interp.Builtin{Name: op.name, Header: hBitops, Decl: "bool " + op.name + params,
			Impl: func(c *interp.Call) int64 {
				w, m := bitWord(c)
				old := c.T.AtomicLoadAt(op.name, w, 8)
				c.T.AtomicStoreAt(op.name, w, 8, op.f(old, m))
				return b2i(old&m != 0)
			}})
	}
	bs = append(bs, interp.Builtin{Name: "test_bit", Header: hBitops, Decl: "bool test_bit(long nr, const volatile unsigned long *addr);",
		Impl: func(c *interp.Call) int64 {
			w, m := bitWord(c)
			return b2i(c.T.AtomicLoadAt("test_bit", w, 8)&m != 0)
		}})
	// wait_on_bit (include/linux/wait_bit.h, kernel/sched/wait_bit.c): the
	// header's inline function and its out-of-line wait, as one entry.
	bs = append(bs, interp.Builtin{Name: "wait_on_bit", Header: "linux/wait_bit.h",
		Decl: "int wait_on_bit(unsigned long *word, int bit, unsigned mode);",
		Impl: func(c *interp.Call) int64 {
			word, bit, mode := c.Addr(0), int(c.Int(1)), c.Int(2)
			w, m := word+uint64(bit>>6)*8, uint64(1)<<(uint(bit)&63)
			st := ksync.Uninterruptible
			if mode&1 != 0 { // TASK_INTERRUPTIBLE
				st = ksync.Interruptible
			}
			killable := mode&0x100 != 0 // TASK_WAKEKILL
			return int64(c.T.WaitOnBit(word, bit, st, st == ksync.Interruptible || killable, func() bool {
				return c.T.AtomicLoadAt("test_bit", w, 8)&m != 0
			}))
		}},
		interp.Builtin{Name: "wake_up_bit", Header: "linux/wait_bit.h",
			Decl: "void wake_up_bit(void *word, int bit);",
			Impl: func(c *interp.Call) int64 { c.T.WakeUpBit(c.Addr(0), int(c.Int(1))); return 0 }})
	register(bs...)
}
