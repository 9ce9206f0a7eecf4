package console

// names maps object IDs to names for display.
type names map[string]string

// Of is the name of id, or id itself when unknown.
func (n names) Of(id string) string {
	if v, ok := n[id]; ok {
		return v
	}
	if id == "" {
		return "—"
	}
	return id
}
