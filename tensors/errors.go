package tensors

import "fmt"

// Error is a failed libtorch operation. Deep tensor code panics with it (see Check); Recover
// turns it back into an error at the run boundary.
type Error struct {
	Op  string
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("libtorch %s: %v", e.Op, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Check panics with *Error when err is not nil.
func Check(op string, err error) {
	if err != nil {
		panic(&Error{Op: op, Err: err})
	}
}

// Recover, deferred, converts a panic carrying *Error into *errp; other panics go on.
func Recover(errp *error) {
	r := recover()
	if r == nil {
		return
	}
	if e, ok := r.(*Error); ok {
		*errp = e
		return
	}
	panic(r)
}
