package engines_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

// The engine list answers an array as Talend's API does; ?limit= and
// ?offset= cut one page of it (so a console page of 50 does not build
// every engine's view) and X-Total-Count says how many matched.
func TestEngineListPagesWithATotal(t *testing.T) {
	srv := cptest.Start(t)
	c := srv.Client(cptest.AdminToken)
	env := defaultEnv(t, c)
	for i := range 5 {
		c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": fmt.Sprintf("e-%d", i), "environmentId": env}, nil)
	}
	typed := srv.API(cptest.AdminToken).Engines()
	all, err := typed.List(context.Background(), api.EngineFilter{})
	if err != nil || len(all) != 5 {
		t.Fatalf("the unpaged list: %d engines, %v", len(all), err)
	}
	tests := []struct {
		name      string
		filter    api.EngineFilter
		opts      api.ListOptions
		wantFirst int // index into all; -1 for no items
		items     int
		total     int
	}{
		{"first page", api.EngineFilter{}, api.ListOptions{Limit: 2}, 0, 2, 5},
		{"middle page", api.EngineFilter{}, api.ListOptions{Limit: 2, Offset: 2}, 2, 2, 5},
		{"last page is short", api.EngineFilter{}, api.ListOptions{Limit: 2, Offset: 4}, 4, 1, 5},
		{"past the end", api.EngineFilter{}, api.ListOptions{Limit: 2, Offset: 9}, -1, 0, 5},
		{"total counts the filter", api.EngineFilter{Availability: api.EngineAvailable}, api.ListOptions{Limit: 1}, -1, 0, 0},
		{"no limit: the largest page", api.EngineFilter{}, api.ListOptions{}, 0, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := typed.ListPage(context.Background(), tt.filter, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != tt.items || page.Total != tt.total {
				t.Fatalf("got %d items of %d, want %d of %d", len(page.Items), page.Total, tt.items, tt.total)
			}
			if tt.wantFirst >= 0 && page.Items[0].ID != all[tt.wantFirst].ID {
				t.Fatalf("page starts at %s, want %s", page.Items[0].Name, all[tt.wantFirst].Name)
			}
		})
	}
	if body := c.MustFail(t, 400, "GET", "/processing/runtimes/remote-engines?limit=0", nil); body.Message == "" {
		t.Fatal("a bad limit is refused without a message")
	}
}
