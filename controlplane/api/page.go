package api

import (
	"net/http"
	"net/url"
	"strconv"
)

// MaxPageLimit is the largest page a listing answers.
const MaxPageLimit = 1000

// Page is one page of a listing, as Talend's APIs answer lists: the
// items, the limit and offset asked for, and the total matched.
type Page[T any] struct {
	Items  []T `json:"items"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
	Total  int `json:"total"`
}

// PageParams reads ?limit= (1-MaxPageLimit, def when absent) and
// ?offset= (0 or more); anything else is a 400.
func PageParams(q url.Values, def int) (limit, offset int, err error) {
	limit = def
	for name, dst := range map[string]*int{"limit": &limit, "offset": &offset} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 0 || (name == "limit" && (n < 1 || n > MaxPageLimit)) {
			return 0, 0, Errorf(http.StatusBadRequest, CodeInvalid, "%s must be a whole number (limit 1-%d, offset 0 or more), got %q", name, MaxPageLimit, v)
		}
		*dst = n
	}
	return limit, offset, nil
}

// PageOf cuts the page [offset, offset+limit) out of all.
func PageOf[T any](all []T, limit, offset int) Page[T] {
	p := Page[T]{Items: []T{}, Limit: limit, Offset: offset, Total: len(all)}
	if offset < len(all) {
		p.Items = all[offset:min(len(all), offset+limit)]
	}
	return p
}
