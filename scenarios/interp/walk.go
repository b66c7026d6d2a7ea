package interp

import (
	"reflect"

	"modernc.org/cc/v4"
)

var nodeType = reflect.TypeOf((*cc.Node)(nil)).Elem()

// walk calls fn for n and every node below it, parents first, following the
// exported fields of cc's AST (the children; back links are unexported). fn returns
// false to skip a node's children. It runs at compile time only.
func walk(n cc.Node, fn func(cc.Node) bool) {
	if n == nil {
		return
	}
	v := reflect.ValueOf(n)
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return
	}
	if !fn(n) {
		return
	}
	walkValue(v, fn)
}

func walkValue(v reflect.Value, fn func(cc.Node) bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() || sf.Anonymous {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Pointer, reflect.Interface:
			if f.IsNil() || !f.Type().Implements(nodeType) && f.Kind() != reflect.Interface {
				continue
			}
			if n, ok := f.Interface().(cc.Node); ok {
				walk(n, fn)
			}
		}
	}
}
