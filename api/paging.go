package api

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// Page is one page of a list: Items from Offset, of Total matching.
type Page[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// ListOptions pages a list: Limit items (0: the server's default) from
// Offset.
type ListOptions struct {
	Limit, Offset int
}

// All walks every item of a paged list from opts.Offset, fetching pages
// of opts.Limit as it goes; it stops at the first error, which it yields.
func All[T any](ctx context.Context, opts ListOptions, fetch func(context.Context, ListOptions) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			page, err := fetch(ctx, opts)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range page.Items {
				if !yield(it, nil) {
					return
				}
			}
			opts.Offset = page.Offset + len(page.Items)
			if len(page.Items) == 0 || opts.Offset >= page.Total {
				return
			}
		}
	}
}

// query builds a query from name, value pairs, leaving out empty values.
func query(pairs ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return q
}

// pageQuery adds opts to q.
func pageQuery(q url.Values, opts ListOptions) url.Values {
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Offset > 0 {
		q.Set("offset", strconv.Itoa(opts.Offset))
	}
	return q
}
