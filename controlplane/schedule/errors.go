package schedule

import "fmt"

// ValidationError is a refused trigger or schedule. The API answers it with a
// 400 whose details name Field.
type ValidationError struct {
	// Index is the trigger's position in the request, -1 for the whole set.
	Index int
	// Field is the JSON field at fault, such as "expression" or "timeZone";
	// "triggers" for rules about the set.
	Field string
	// Message says what is wrong and what is allowed.
	Message string
}

func (e *ValidationError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return fmt.Sprintf("triggers[%d].%s: %s", e.Index, e.Field, e.Message)
}

func invalid(index int, field, format string, args ...any) *ValidationError {
	return &ValidationError{Index: index, Field: field, Message: fmt.Sprintf(format, args...)}
}
