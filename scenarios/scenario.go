package scenarios

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/ksim-dev/ksim/scenarios/syntax"
)

// Kind is what a value or an object is, as far as the simulation cares.
// Integer types of every width collapse into Int (Type keeps the width);
// kernel objects each have their own kind because every API call checks
// which kind its argument points to.
type Kind uint8

const (
	Invalid    Kind = iota
	Void            // result of a void function; void * pointee
	Int             // int, long, unsigned ..., bool, u32, size_t, gfp_t, irqreturn_t
	Ptr             // a pointer; Type.Elem says to what
	String          // a string literal or a string #define (formats, thread names)
	Semaphore       // struct semaphore
	Mutex           // struct mutex
	Spinlock        // spinlock_t
	RWLock          // rwlock_t
	RWSem           // struct rw_semaphore
	Completion      // struct completion
	Atomic          // atomic_t
	Tasklet         // struct tasklet_struct
	Func            // a function name (only callable, or passed to kthread_run & co.)
)

var kindNames = [...]string{
	Invalid:    "invalid",
	Void:       "void",
	Int:        "int",
	Ptr:        "pointer",
	String:     "string",
	Semaphore:  "struct semaphore",
	Mutex:      "struct mutex",
	Spinlock:   "spinlock_t",
	RWLock:     "rwlock_t",
	RWSem:      "struct rw_semaphore",
	Completion: "struct completion",
	Atomic:     "atomic_t",
	Tasklet:    "struct tasklet_struct",
	Func:       "function",
}

// String returns the C spelling of the kind ("struct mutex", "spinlock_t").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// IsObject reports whether k is a kernel object: a lock, completion, atomic_t
// or tasklet. Objects live only in globals and are used only through the
// kernel API (by address), never as numbers.
func (k Kind) IsObject() bool { return k >= Semaphore && k <= Tasklet }

// IsLock reports whether k is a lock that lockdep tracks (and that
// lockdep_assert_held accepts): mutex, spinlock, rwlock, rw_semaphore.
// Semaphores are deliberately not included: lockdep does not track them.
func (k Kind) IsLock() bool {
	return k == Mutex || k == Spinlock || k == RWLock || k == RWSem
}

// Type is the checked type of a variable or an expression.
type Type struct {
	Kind Kind
	// Elem is the pointee when Kind is Ptr: Void for void * and opaque
	// struct pointers (struct task_struct *), Int for char * and int *
	// (memory from kmalloc or &global), or an object kind (struct mutex *).
	Elem Kind
	// Dims are the array lengths, outermost first; nil for a scalar.
	Dims []int
	// Bits and Unsigned describe Int (and, for Ptr, an Int pointee):
	// 1 for bool (values normalise to 0 or 1), 8, 16, 32 or 64.
	Bits     int
	Unsigned bool
	// Const marks a const-qualified variable: it cannot be assigned.
	Const bool
	// Name is the C base type as written ("unsigned long", "u32",
	// "struct mutex", "struct task_struct"), for messages.
	Name string
}

// Len is the number of elements: the product of Dims, 1 for a scalar.
func (t Type) Len() int {
	n := 1
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// IsScalar reports whether t is a single int or pointer value, usable in a
// condition or as a thread argument.
func (t Type) IsScalar() bool { return (t.Kind == Int || t.Kind == Ptr) && len(t.Dims) == 0 }

// String renders t the way C spells it: "unsigned long", "char *",
// "struct mutex [5]".
func (t Type) String() string {
	s := t.Name
	if s == "" {
		switch t.Kind {
		case Ptr:
			s = t.Elem.String()
		default:
			s = t.Kind.String()
		}
	}
	if t.Kind == Ptr {
		s += " *"
	}
	if len(t.Dims) > 0 {
		s += " "
		for _, d := range t.Dims {
			s += fmt.Sprintf("[%d]", d)
		}
	}
	return s
}

// elem returns the type of one element of the array t.
func (t Type) elem() Type {
	e := t
	e.Dims = t.Dims[1:]
	if len(e.Dims) == 0 {
		e.Dims = nil
	}
	return e
}

// Class says what kind of name a Symbol is.
type Class uint8

const (
	GlobalVar   Class = iota + 1 // a file-scope variable (Symbol.Global)
	LocalVar                     // a block-scope variable (Symbol.Slot)
	ParamVar                     // a function parameter (Symbol.Slot)
	FuncName                     // a defined function (Symbol.Func)
	BuiltinFunc                  // a kernel API call (Symbol.Builtin)
	Constant                     // a #define or kernel constant, true/false/NULL (Symbol.Value or Symbol.Str)
	KernelVar                    // a read-only kernel variable: jiffies
)

var classNames = [...]string{"?", "global variable", "local variable", "parameter", "function", "kernel API", "constant", "kernel variable"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Symbol is what a name refers to. The checker creates one per declaration
// (and one per kernel name), and Scenario.Uses maps every identifier use to
// it, so the interpreter never looks names up.
type Symbol struct {
	Name  string
	Class Class
	Type  Type       // Func: the result type; BuiltinFunc: the result kind
	Pos   syntax.Pos // the declaration; invalid for kernel names

	Global  *Global   // GlobalVar
	Func    *FuncInfo // FuncName
	Builtin *Builtin  // BuiltinFunc
	Value   int64     // Constant with Type.Kind Int or Ptr (NULL is 0)
	Str     string    // Constant with Type.Kind String
	// Slot is the index of a LocalVar or ParamVar in its FuncInfo.Locals,
	// i.e. its slot in the function's frame. Parameters come first.
	Slot int
}

// Global is a file-scope variable, declared in C or by a DEFINE_* macro.
type Global struct {
	Name string
	Pos  syntax.Pos
	Type Type
	// Init holds the initial value of every element, row-major, so
	// len(Init) == Type.Len(): the value of an int, the counter of an
	// atomic_t (ATOMIC_INIT), the count of a semaphore (DEFINE_SEMAPHORE,
	// 1 unless given), 0 for everything else.
	Init []int64
	// Macro is the defining macro ("DEFINE_MUTEX", "DECLARE_COMPLETION",
	// "ATOMIC_INIT", "__MUTEX_INITIALIZER" ...) or "" for a plain C
	// declaration.
	Macro string
	// Static reports a statically initialised object: lockdep names its
	// class after the variable (DEFINE_MUTEX(m) -> "m"), and it is usable
	// without a run-time *_init call.
	Static bool
	// TaskletFunc is the function of DECLARE_TASKLET(t, fn).
	TaskletFunc string
	Sym         *Symbol
}

// FuncInfo is a checked function definition.
type FuncInfo struct {
	Name   string
	Decl   *syntax.FuncDecl // the definition (with Body)
	Result Type             // Void, Int or Ptr
	Params []*Symbol
	// Locals are the frame slots: the parameters, then every local in
	// declaration order (shadowed ones keep their own slot).
	Locals []*Symbol
	// Labels maps each goto label to its statement.
	Labels map[string]*syntax.LabeledStmt
	Sym    *Symbol
}

// IRQConfig is the `#pragma ksim irq N ...` configuration of one interrupt
// line, for the interrupt model.
type IRQConfig struct {
	Times int // `irq N times K`: how often it may fire; 0 when not given
	CPU   int // `irq N cpu C`: the CPU it is delivered to; -1 when not given
}

// Config is what the `#pragma ksim` lines say.
type Config struct {
	CPUs           int      // `cpus N` (1..64); 2 when absent
	Threads        []string // `threads f g f`: functions started as tasks (may repeat)
	MemoryPressure bool     // `memory pressure`
	Expect         []string // `expect ok` or some of deadlock lockup bug warning hang; nil when absent
	NoLockdep      bool     // `lockdep off`
	IRQ            map[int]IRQConfig
	// Pos records where each directive was written, keyed "cpus",
	// "threads", "memory pressure", "expect", "lockdep off"; for interrupt
	// line N, "irq N times" and "irq N cpu", and "irq N" for the first
	// directive about it.
	Pos map[string]syntax.Pos
}

// DefaultCPUs is the CPU count of a scenario without `#pragma ksim cpus`.
const DefaultCPUs = 2

// ExpectKinds are the words `#pragma ksim expect` accepts.
var ExpectKinds = []string{"ok", "deadlock", "lockup", "bug", "warning", "hang"}

// Scenario is a loaded, checked scenario file.
type Scenario struct {
	Name   string // the file base without .c: "abba"
	File   *syntax.File
	Source []byte
	Config Config

	Globals   []*Global                   // declaration order, DEFINE_* macros included
	Funcs     map[string]*syntax.FuncDecl // defined functions (with bodies)
	FuncOrder []string                    // defined functions in source order
	FuncInfo  map[string]*FuncInfo        // frames, params, labels of each defined function

	Init, Exit string // module_init / module_exit functions, "" if none
	// Threads are the functions that start as tasks when there is no
	// module_init: the `threads` pragma list, or else every defined
	// function that no other code names and that can be a thread entry
	// ((void), () or one pointer parameter), in source order. With a
	// module_init it is nil: module_init starts the tasks.
	Threads []string

	Defines map[string]int64  // integer #define constants, evaluated
	Strings map[string]string // string #define constants ("#define NAME \"drv\"")

	// Uses maps every identifier use to its symbol (labels and the
	// macro names of top-level declarations excepted). Defs maps the name
	// of every declaration (global, function, parameter, local) to its
	// symbol.
	Uses map[*syntax.Ident]*Symbol
	Defs map[*syntax.Ident]*Symbol
	// Types records the type of every checked expression. A kernel API call
	// has its result kind; an &object argument has Kind Ptr and the
	// object's kind as Elem.
	Types map[syntax.Expr]Type
	// Calls maps each kernel API call to its table entry, so that the
	// interpreter can switch on Builtin.Op.
	Calls map[*syntax.CallExpr]*Builtin
	// Consts holds the value of every expression the checker folded to a
	// constant (array sizes, case labels, HZ * 2 ...).
	Consts map[syntax.Expr]int64
}

// Global returns the global variable called name, or nil.
func (s *Scenario) Global(name string) *Global {
	for _, g := range s.Globals {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// Load parses and checks a scenario file. name is used in positions
// ("abba.c:3:5") and, without directory and .c suffix, as Scenario.Name.
// On failure it returns a nil Scenario and a syntax.ErrorList holding every
// error of the file (sorted; at most ten, then "too many errors"). Syntax
// errors are reported alone: checking a partial tree would mostly report
// their consequences.
func Load(name string, src []byte) (*Scenario, error) {
	file, err := syntax.ParseFile(name, src)
	if err != nil {
		var list syntax.ErrorList
		if !errors.As(err, &list) {
			list.Add(name, syntax.Pos{Line: 1, Col: 1}, err.Error())
		}
		return nil, list
	}
	s := &Scenario{
		Name:   scenarioName(name),
		File:   file,
		Source: src,
	}
	if list := check(name, s); len(list) > 0 {
		return nil, list
	}
	return s, nil
}

func scenarioName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	return strings.TrimSuffix(path.Base(name), ".c")
}
