package spec

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/relnet/relnet/arch"
)

// FieldError is a bad value in an experiment file: the file, the line that sets the key, the
// dotted key, what is wrong, and the run; one type with the parts' errors (arch.FieldError).
type FieldError = arch.FieldError

func bad(key, format string, args ...any) error {
	return &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// DecodeTOML decodes data (read from path) into v over the values v already holds. Syntax
// errors, wrong types, rejected values and unknown keys are *FieldErrors naming the file, the
// line and the key; keys under the freeTables are not checked (v decodes them into maps,
// checked later).
func DecodeTOML(path string, data []byte, v any, freeTables ...string) error {
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(v)
	if err != nil {
		return decodeError(path, data, v, err)
	}
	for _, k := range md.Undecoded() {
		if !slices.Contains(freeTables, k[0]) {
			return &FieldError{File: path, Line: keyLine(data, k.String(), -1), Key: k.String(),
				Msg: "unknown key (see docs/configuration.md)"}
		}
	}
	return nil
}

// decodeError makes a *FieldError of the TOML decoder's error. Values a kind rejects and
// syntax errors come as toml.ParseError with the key and the position; a value of the wrong
// type does not, so the key is found by decoding the document's values one at a time.
func decodeError(path string, data []byte, v any, err error) error {
	var perr toml.ParseError
	if errors.As(err, &perr) {
		return &FieldError{File: path, Line: perr.Position.Line, Key: perr.LastKey, Msg: perr.Message}
	}
	var doc map[string]any
	if _, derr := toml.Decode(string(data), &doc); derr == nil {
		for _, s := range flatten("", doc) {
			if msg, bad := wrongType(v, s); bad {
				return &FieldError{File: path, Line: keyLine(data, s.key, -1), Key: s.key, Msg: msg}
			}
		}
	}
	return &FieldError{File: path, Msg: err.Error()}
}

// wrongType reports whether the setting's value cannot be decoded into its field of v (a
// pointer to a struct), with a message saying what the field wants.
func wrongType(v any, s setting) (string, bool) {
	field, ok := fieldType(reflect.TypeOf(v).Elem(), strings.Split(s.key, "."))
	if !ok {
		return "", false // unknown keys are reported as such
	}
	if decodeSetting(reflect.New(field.Elem()).Interface(), s) == nil {
		return "", false
	}
	return fmt.Sprintf("%#v is a TOML %s, want %s", s.value, tomlType(s.value), want(field.Elem())), true
}

// fieldType finds the field a dotted TOML key decodes into, as a pointer type to a struct
// holding just that field, or false when the key names no field.
func fieldType(t reflect.Type, key []string) (reflect.Type, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if f.Anonymous && tag == "" {
			if ft, ok := fieldType(f.Type, key); ok {
				return ft, true
			}
			continue
		}
		if tag != key[0] {
			continue
		}
		if len(key) == 1 {
			holder := reflect.StructOf([]reflect.StructField{{Name: "V", Type: f.Type, Tag: reflect.StructTag(`toml:"` + key[0] + `"`)}})
			return reflect.PointerTo(holder), true
		}
		return fieldType(f.Type, key[1:])
	}
	return nil, false
}

// decodeSetting decodes one setting (its last key part only) into v.
func decodeSetting(v any, s setting) error {
	parts := strings.Split(s.key, ".")
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(map[string]any{parts[len(parts)-1]: s.value}); err != nil {
		return err
	}
	_, err := toml.NewDecoder(&buf).Decode(v)
	return err
}

// tomlType names a decoded TOML value's type.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	}
	return fmt.Sprintf("%T", v)
}

// want describes what a Go field type takes in TOML.
func want(holder reflect.Type) string {
	t := holder.Field(0).Type
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Uint64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct:
		return "a table"
	}
	return t.String()
}
