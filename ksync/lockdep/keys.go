package lockdep

import "strconv"

// KeyName is the name of the class whose struct lock_class_key is at address key,
// for a lock initialised with name: the init call site's static key
// (mutex_init's "static struct lock_class_key __key") or, for a statically
// initialised lock, the lock itself (assign_lock_key in kernel/locking/lockdep.c:
// "the key is the lock object itself"). The key, not the text, decides the class:
// two init sites that read the same ("mutex_init(&dev->lock)" in two functions) are
// two classes, and, as register_lock_class's count_matching_names numbers them, the
// first key registered under a name prints as name, the second as "name#2", the
// third "name#3". The name returned is the class's Key: use it in Class.
//
// The first name registered for a key stays its name (class->name), as it does in
// the kernel, where a class registered once keeps the name it got then.
func (g *Graph) KeyName(key uint64, name string) string {
	if s, ok := g.keyNames[key]; ok {
		return s
	}
	if g.keyNames == nil {
		g.keyNames, g.nameCount = map[uint64]string{}, map[string]int{}
	}
	g.nameCount[name]++
	s := name
	if v := g.nameCount[name]; v > 1 {
		s += "#" + strconv.Itoa(v)
	}
	g.keyNames[key] = s
	return s
}
