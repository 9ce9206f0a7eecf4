package environments

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/roundhouse/roundhouse/controlplane/api"
)

// workspaceQueryFields are the fields a workspace query may compare, as
// Talend's query syntax names them.
var workspaceQueryFields = []string{"id", "name", "type", "owner", "environment.id", "environment.name"}

// workspaceListParams are the query parameters GET /orchestration/workspaces
// reads; any other is refused rather than silently ignored.
var workspaceListParams = []string{"query", "environmentId", "environmentName", "name", "type", "owner", "talendVersion"}

// workspaceFilter is a conjunction of field==value comparisons.
type workspaceFilter map[string]string

// parseWorkspaceFilter reads the list parameters: Talend's query syntax
// (?query=environment.name==staging;type==SHARED, comparisons joined by
// ";" meaning and, values optionally quoted) and the plain parameters
// environmentId, environmentName, name, type and owner. An unknown
// parameter, an unknown field or a malformed comparison is a 400: a
// filter that is ignored would act on the wrong environment.
func parseWorkspaceFilter(q url.Values) (workspaceFilter, error) {
	for name := range q {
		if !slices.Contains(workspaceListParams, name) {
			return nil, invalid("unknown query parameter %q; accepted: %s", name, strings.Join(workspaceListParams, ", "))
		}
	}
	f := workspaceFilter{}
	plain := map[string]string{"environmentId": "environment.id", "environmentName": "environment.name",
		"name": "name", "type": "type", "owner": "owner"}
	for param, field := range plain {
		if v := q.Get(param); v != "" {
			if err := f.add(field, v); err != nil {
				return nil, err
			}
		}
	}
	if _, ok := q["query"]; !ok {
		return f, nil
	}
	expr := strings.TrimSpace(q.Get("query"))
	if expr == "" {
		return nil, invalid("query is empty; write field==value, e.g. environment.name==staging")
	}
	for _, cmp := range strings.Split(expr, ";") {
		field, value, ok := strings.Cut(cmp, "==")
		field, value = strings.TrimSpace(field), unquote(strings.TrimSpace(value))
		if !ok || field == "" || value == "" || strings.Contains(value, "==") {
			return nil, invalid("malformed query %q: write field==value, comparisons joined by ';'", cmp)
		}
		if !slices.Contains(workspaceQueryFields, field) {
			return nil, invalid("unknown query field %q; fields: %s", field, strings.Join(workspaceQueryFields, ", "))
		}
		if err := f.add(field, value); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// add records field==value; two different values for one field can
// match nothing, which is surely a mistake.
func (f workspaceFilter) add(field, value string) error {
	if prev, ok := f[field]; ok && prev != value {
		return invalid("%s is compared to both %q and %q", field, prev, value)
	}
	f[field] = value
	return nil
}

// matches reports whether the workspace view satisfies every comparison.
func (f workspaceFilter) matches(ws workspaceView) bool {
	got := map[string]string{"id": ws.ID, "name": ws.Name, "type": ws.Type, "owner": ws.Owner,
		"environment.id": ws.Environment.ID, "environment.name": ws.Environment.Name}
	for field, want := range f {
		if got[field] != want {
			return false
		}
	}
	return true
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func invalid(format string, args ...any) error {
	return api.Errorf(http.StatusBadRequest, api.CodeInvalid, format, args...)
}
