package interp

import "modernc.org/cc/v4"

// cvt is how a 64-bit value is made to fit a C integer type: x86-64 LP64, where
// char is signed, int 32 bits, long and pointers 64.
type cvt uint8

const (
	cvNone cvt = iota // 64 bits: long, unsigned long, pointers
	cvI8
	cvU8
	cvI16
	cvU16
	cvI32
	cvU32
	cvBool
)

func (c cvt) apply(v int64) int64 {
	switch c {
	case cvI8:
		return int64(int8(v))
	case cvU8:
		return int64(uint8(v))
	case cvI16:
		return int64(int16(v))
	case cvU16:
		return int64(uint16(v))
	case cvI32:
		return int64(int32(v))
	case cvU32:
		return int64(uint32(v))
	case cvBool:
		if v != 0 {
			return 1
		}
		return 0
	}
	return v
}

// cvtOf is the conversion to a scalar type t.
func cvtOf(t cc.Type) cvt {
	switch t.Kind() {
	case cc.Bool:
		return cvBool
	case cc.Char, cc.SChar:
		if t.Kind() == cc.Char && !isSigned(t) {
			return cvU8
		}
		return cvI8
	case cc.UChar:
		return cvU8
	case cc.Short:
		return cvI16
	case cc.UShort:
		return cvU16
	case cc.Int:
		return cvI32
	case cc.UInt:
		return cvU32
	case cc.Enum:
		if e, ok := t.(*cc.EnumType); ok {
			return cvtOf(e.UnderlyingType())
		}
		return cvI32
	}
	return cvNone
}

// isSigned reports whether t, an integer type, is signed.
func isSigned(t cc.Type) bool {
	if e, ok := t.(*cc.EnumType); ok {
		t = e.UnderlyingType()
	}
	return cc.IsSignedInteger(t)
}

// isScalar: a value that fits an int64 (integers, pointers, enums, bool).
func isScalar(t cc.Type) bool {
	return cc.IsIntegerType(t) || t.Kind() == cc.Ptr || t.Kind() == cc.Enum
}

// isAggregate: a value that lives in memory and is handled by its address.
func isAggregate(t cc.Type) bool {
	switch t.Kind() {
	case cc.Struct, cc.Union, cc.Array:
		return true
	}
	return false
}

// isFloat: floating point and complex types, which ksim does not model (the kernel
// does not use them outside kernel_fpu_begin).
func isFloat(t cc.Type) bool {
	return cc.IsFloatingPointType(t) || cc.IsComplexType(t) || t.Kind() == cc.LongDouble ||
		t.Kind() == cc.Float16 || t.Kind() == cc.BFloat16 || t.Kind() == cc.Decimal32 ||
		t.Kind() == cc.Decimal64 || t.Kind() == cc.Decimal128
}

func isVolatile(t cc.Type) bool {
	a := t.Attributes()
	return a != nil && a.IsVolatile()
}

func isConst(t cc.Type) bool {
	a := t.Attributes()
	return a != nil && a.IsConst()
}

// undecayed is the array or function type a decayed pointer type came from, or t.
func undecayed(t cc.Type) cc.Type {
	if t.Kind() == cc.Ptr {
		if u := t.Undecay(); u != nil && u != t && (u.Kind() == cc.Array || u.Kind() == cc.Function) {
			return u
		}
	}
	return t
}

// elemSize is the size of what a pointer (or array) of type t points at, for
// pointer arithmetic: 1 for void and functions, as GNU C has it.
func elemSize(t cc.Type) int64 {
	var e cc.Type
	switch x := t.(type) {
	case *cc.PointerType:
		e = x.Elem()
	case *cc.ArrayType:
		e = x.Elem()
	default:
		return 1
	}
	if e.Kind() == cc.Void || e.Kind() == cc.Function {
		return 1
	}
	if s := e.Size(); s > 0 {
		return s
	}
	return 1
}

// pointee is the type a pointer type points at, nil if t is no pointer.
func pointee(t cc.Type) cc.Type {
	switch x := t.(type) {
	case *cc.PointerType:
		return x.Elem()
	case *cc.ArrayType:
		return x.Elem()
	}
	return nil
}

// funcType is the function type a callee expression of type t calls.
func funcType(t cc.Type) *cc.FunctionType {
	switch x := t.(type) {
	case *cc.FunctionType:
		return x
	case *cc.PointerType:
		if f, ok := x.Elem().(*cc.FunctionType); ok {
			return f
		}
		if f, ok := x.Undecay().(*cc.FunctionType); ok {
			return f
		}
	}
	return nil
}

// promote is the type of a variadic argument of type t (default argument promotions).
func promote(t cc.Type) cc.Type {
	if cc.IsIntegerType(t) || t.Kind() == cc.Enum {
		return cc.IntegerPromotion(t)
	}
	return t.Decay()
}

// fieldOffset is the offset of the field name in t, a struct or union.
func fieldOffset(t cc.Type, name string) (int, bool) {
	var f *cc.Field
	switch x := t.(type) {
	case *cc.StructType:
		f = x.FieldByName(name)
	case *cc.UnionType:
		f = x.FieldByName(name)
	}
	if f == nil {
		return 0, false
	}
	return int(f.Offset()), true
}
