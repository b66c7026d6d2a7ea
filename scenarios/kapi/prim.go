package kapi

import (
	"fmt"
	"strings"

	"github.com/ksim-dev/ksim/ksync"
	"github.com/ksim-dev/ksim/scenarios/interp"
)

// The lock families' primitives live in the module's memory: a struct mutex is bytes
// of a global or of a kmalloc'ed struct, and the ksync object that models it lives at
// its address (Kernel.PrimAt), made on first use the way the memory there was
// initialised.

// The layout every primitive struct starts with (the contract with ksim's headers):
// unsigned long __ksim_init; struct lockdep_map dep_map { key; name; }; then the
// family's own fields.
const (
	ksimStaticInit = 0x6b73696d // __ksim_init of a statically initialised primitive: KSIM_STATIC_INIT
	offInit        = 0          // unsigned long __ksim_init
	offDepKey      = 8          // dep_map.key: the lock_class_key an *_init call set
	offDepName     = 16         // dep_map.name: the class name a static initialiser sets ("m")
	offCount       = 24         // struct semaphore's count, struct completion's done
)

// staticInit is the __ksim_init word a static initialiser of kind kd writes:
// KSIM_STATIC_INIT with the type (KSIM_INIT_MUTEX ...) in the upper half, so that
// memory initialised as one type fails another's check (linux/lockdep_types.h).
func staticInit(kd kind) uint64 { return ksimStaticInit | uint64(kd+1)<<32 }

// kind is the sort of primitive a call expects at an address.
type kind int

const (
	kindMutex kind = iota
	kindSpinlock
	kindRWLock
	kindRWSem
	kindSemaphore
	kindCompletion
)

// newPrim makes the ksync object of kind k named name, as its static initialiser
// would (count is a semaphore's count).
func newPrim(k *ksync.Kernel, kd kind, name string, count int) any {
	switch kd {
	case kindMutex:
		return k.DefineMutex(name)
	case kindSpinlock:
		return k.DefineSpinlock(name)
	case kindRWLock:
		return k.DefineRWLock(name)
	case kindRWSem:
		return k.DeclareRWSem(name)
	case kindSemaphore:
		return k.DefineSemaphore(name, count)
	}
	return k.DeclareCompletion(name)
}

// isKind reports whether p is a primitive of kind kd.
func isKind(p any, kd kind) bool {
	switch p.(type) {
	case *ksync.Mutex:
		return kd == kindMutex
	case *ksync.Spinlock:
		return kd == kindSpinlock
	case *ksync.RWLock:
		return kd == kindRWLock
	case *ksync.RWSem:
		return kd == kindRWSem
	case *ksync.Semaphore:
		return kd == kindSemaphore
	case *ksync.Completion:
		return kd == kindCompletion
	}
	return false
}

// lockdepTracked reports whether lockdep knows the kind: semaphores and completions
// have no lockdep map of their own (only the raw spinlock inside, which ksync
// checks itself).
func lockdepTracked(kd kind) bool { return kd != kindSemaphore && kd != kindCompletion }

// placer is what every lock family's object has (ksync's lockBase).
type placer interface {
	Place(addr uint64)
	SetKey(key uint64, name string)
	SetUninitialised(static bool)
	SetInitialised()
}

// primAt is the primitive of kind kd living at the address argument i of c points
// at, made on its first use:
//
//   - memory a static initialiser set (DEFINE_MUTEX & co.: __ksim_init is
//     KSIM_STATIC_INIT): as the initialiser makes it, its class named by
//     dep_map.name and keyed, in static memory, by the lock itself (lockdep's
//     static_obj: assign_lock_key);
//   - memory nobody initialised: zeroed, without debug magic, keyed by the lock
//     itself in static memory and by nothing elsewhere (see ksync's
//     SetUninitialised for the reports that follow).
//
// It is nil when the address is bad (see lockMemory).
func primAt(c *interp.Call, i int, kd kind) any {
	k := c.K()
	addr := c.Addr(i)
	b, off, ok := lockMemory(c, addr)
	if !ok {
		return nil
	}
	other := false
	if p := k.PrimAt(addr); p != nil {
		if isKind(p, kd) {
			return p
		}
		// Another kind of lock lives there (a cast, a void * mixed up): its
		// fields are not this kind's, and the debug checks find the magic
		// wrong, as they find it in memory nobody initialised.
		other = true
	}
	static := b.Region() == ksync.RegionStatic
	var p any
	if v, _ := k.Peek(addr+offInit, 8); v == staticInit(kd) && !other {
		name := peekString(k, addr+offDepName)
		if name == "" {
			name = lockName(c, i, b, off)
		}
		count, _ := k.Peek(addr+offCount, 4)
		p = newPrim(k, kd, name, int(int32(count)))
		pl := p.(placer)
		pl.Place(addr)
		key, _ := k.Peek(addr+offDepKey, 8)
		switch {
		case key != 0 && lockdepTracked(kd):
			// A lock an *_init call initialised, copied here (a struct
			// assignment, memcpy, krealloc): its lockdep_map came along, key and
			// all, and lockdep keys the copy's class by the same key.
			pl.SetKey(key, name)
		case !static:
			pl.SetKey(0, name) // on the stack: no key, and not static (assign_lock_key)
		case lockdepTracked(kd):
			pl.SetKey(addr, name)
		}
	} else {
		// Named after the memory holding it, as kallsyms names a static
		// lock's class: not after the call that happens to use it first, which
		// would make the name depend on which task got there first, something
		// the search does not track.
		p = newPrim(k, kd, memName(b, off), 0)
		pl := p.(placer)
		pl.Place(addr)
		if static && lockdepTracked(kd) {
			pl.SetKey(addr, b.Name()) // named by kallsyms: the symbol holding it
		}
		pl.SetUninitialised(static)
	}
	k.SetPrimAt(addr, p)
	return p
}

// initPrim is an *_init call on the primitive at the address argument i: the
// object there, or a new one, keyed by the lock_class_key at key and named name
// (lockdep_init_map), ready for its Init. It is nil when the address is bad.
func initPrim(c *interp.Call, i int, kd kind, key uint64, name string) any {
	k := c.K()
	addr := c.Addr(i)
	b, off, ok := lockMemory(c, addr)
	if !ok {
		return nil
	}
	if name == "" {
		name = lockName(c, i, b, off)
	}
	p := k.PrimAt(addr)
	if p == nil || !isKind(p, kd) {
		p = newPrim(k, kd, name, 0)
		p.(placer).Place(addr)
		k.SetPrimAt(addr, p)
	}
	// What the initialisation writes into the lock's memory: its magic (the
	// type's init mark) and, for the lockdep-tracked ones, its lockdep_map
	// (lockdep_init_map: key and name), so that a copy of the initialised struct
	// is an initialised lock too, as in the kernel.
	k.Poke(addr+offInit, 8, staticInit(kd))
	if lockdepTracked(kd) {
		k.Poke(addr+offDepKey, 8, key)
		if len(c.Args) > 1 {
			k.Poke(addr+offDepName, 8, c.Addr(1))
		}
		p.(placer).SetKey(key, name)
	} else {
		p.(placer).SetInitialised()
	}
	return p
}

// lockMemory is the object holding the lock at addr and the lock's offset in it.
// A NULL or wild address, freed memory or a lock past the object's end is the
// access the kernel's lock code makes to it: an oops (the task dies) or KASAN's
// report. After a use-after-free report the kernel goes on, and the lock code works
// on what the freed memory still holds: ok. Otherwise ok is false, and the call
// does nothing more.
func lockMemory(c *interp.Call, addr uint64) (b *ksync.Buffer, off int, ok bool) {
	b, off = c.K().Find(addr)
	inside := b != nil && off >= 0 && off+offDepName+8 <= len(b.Bytes())
	if inside && !b.Freed() {
		return b, off, true
	}
	// The lock word, then the debug fields after it (spinlock_t's magic, the
	// lockdep map): memory too small for the lock is out of bounds there.
	c.T.LoadAt(addr, 4)
	if inside {
		return b, off, true // freed: KASAN has reported; the call carries on
	}
	if b != nil && off >= 0 && off+4 <= len(b.Bytes()) && !b.Freed() {
		c.T.LoadAt(addr+offDepName, 8)
	}
	return b, off, false
}

// memName names the memory at off in b: its symbol ("ms"), with the offset when not
// at its start ("ms+0x18").
func memName(b *ksync.Buffer, off int) string {
	if off == 0 {
		return b.Name()
	}
	return fmt.Sprintf("%s+%#x", b.Name(), off)
}

// lockName names a lock for ksim's traces and notes: the argument as written
// ("&dev->lock" without its "&"), or the object and offset holding it.
func lockName(c *interp.Call, i int, b *ksync.Buffer, off int) string {
	if c.Site != nil && i < len(c.Site.ArgText) && c.Site.ArgText[i] != "" {
		return strings.TrimPrefix(c.Site.ArgText[i], "&")
	}
	if off == 0 {
		return b.Name()
	}
	return fmt.Sprintf("%s+%#x", b.Name(), off)
}

// peekString is the NUL-terminated string at the address stored at addr, read
// without a step (a static initialiser's name, in read-only memory), "" if none.
func peekString(k *ksync.Kernel, addr uint64) string {
	p, ok := k.Peek(addr, 8)
	if !ok || p == 0 {
		return ""
	}
	var out []byte
	for i := uint64(0); i < 256; i++ {
		ch, ok := k.Peek(p+i, 1)
		if !ok || ch == 0 {
			break
		}
		out = append(out, byte(ch))
	}
	return string(out)
}

// initName is the string argument i (a name passed to an *_init call: a literal, no
// step), "" for NULL.
func initName(c *interp.Call, i int) string {
	if c.Addr(i) == 0 {
		return ""
	}
	return c.T.CString("name", c.Addr(i), 256)
}

// The primitive each family's calls take as their first argument; nil when the
// address was bad (the task oopsed or KASAN reported).
func mutexAt(c *interp.Call) *ksync.Mutex {
	p, _ := primAt(c, 0, kindMutex).(*ksync.Mutex)
	return p
}

func spinlockAt(c *interp.Call) *ksync.Spinlock {
	p, _ := primAt(c, 0, kindSpinlock).(*ksync.Spinlock)
	return p
}

func rwlockAt(c *interp.Call) *ksync.RWLock {
	p, _ := primAt(c, 0, kindRWLock).(*ksync.RWLock)
	return p
}

func rwsemAt(c *interp.Call) *ksync.RWSem {
	p, _ := primAt(c, 0, kindRWSem).(*ksync.RWSem)
	return p
}

func semaphoreAt(c *interp.Call) *ksync.Semaphore {
	p, _ := primAt(c, 0, kindSemaphore).(*ksync.Semaphore)
	return p
}

func completionAt(c *interp.Call) *ksync.Completion {
	p, _ := primAt(c, 0, kindCompletion).(*ksync.Completion)
	return p
}

// on makes an entry's Impl from a function of the primitive at the first argument:
// nothing happens past a bad address.
func on[P any](at func(*interp.Call) *P, f func(c *interp.Call, p *P) int64) func(*interp.Call) int64 {
	return func(c *interp.Call) int64 {
		p := at(c)
		if p == nil {
			return 0
		}
		return f(c, p)
	}
}

// b2i is C's value of a truth.
func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
