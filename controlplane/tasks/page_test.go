package tasks_test

import (
	"fmt"
	"testing"
)

// TestTaskListIsAPage: the task listing answers Talend's page shape,
// {items, limit, offset, total}, honouring limit and offset.
func TestTaskListIsAPage(t *testing.T) {
	f := start(t)
	type page struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
		Limit  *int `json:"limit"`
		Offset *int `json:"offset"`
		Total  *int `json:"total"`
	}
	var before page
	f.c.Must(t, 200, "GET", base, nil, &before)
	for i := range 3 {
		f.create(t, fmt.Sprintf("load-%d", i), f.shared, nil)
	}
	n := *before.Total + 3
	for _, tc := range []struct {
		query                       string
		items, limit, offset, total int
	}{
		{"", n, 100, 0, n},
		{"?limit=2", 2, 2, 0, n},
		{"?limit=2&offset=" + fmt.Sprint(n-1), 1, 2, n - 1, n},
		{"?offset=" + fmt.Sprint(n), 0, 100, n, n},
		{"?name=load-1", 1, 100, 0, 1},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var p page
			f.c.Must(t, 200, "GET", base+tc.query, nil, &p)
			if p.Limit == nil || p.Offset == nil || p.Total == nil || p.Items == nil {
				t.Fatalf("not a page: %+v", p)
			}
			if len(p.Items) != tc.items || *p.Limit != tc.limit || *p.Offset != tc.offset || *p.Total != tc.total {
				t.Fatalf("got %d items, limit %d offset %d total %d", len(p.Items), *p.Limit, *p.Offset, *p.Total)
			}
		})
	}
	for _, bad := range []string{"?limit=0", "?limit=1001", "?offset=-1", "?limit=ten"} {
		f.c.MustFail(t, 400, "GET", base+bad, nil)
	}
}

// TestTaskExecutionsListingPath: the executions listing Talend's
// Processing clients call answers the executions page.
func TestTaskExecutionsListingPath(t *testing.T) {
	f := start(t)
	tk := f.create(t, "listed", f.shared, nil)
	f.c.Must(t, 204, "PUT", base+"/"+tk.ID+"/run-config", map[string]any{"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}}, nil)
	var run struct {
		ExecutionID string `json:"executionId"`
	}
	f.c.Must(t, 201, "POST", base+"/"+tk.ID+"/run", nil, &run)
	var p struct {
		Items []struct {
			ExecutionID string `json:"executionId"`
		} `json:"items"`
		Total int `json:"total"`
	}
	f.c.Must(t, 200, "GET", "/processing/executables/tasks/executions?taskId="+tk.ID, nil, &p)
	if p.Total != 1 || len(p.Items) != 1 || p.Items[0].ExecutionID != run.ExecutionID {
		t.Fatalf("listing %+v, want the run %s", p, run.ExecutionID)
	}
	f.srv.Client("").MustFail(t, 401, "GET", "/processing/executables/tasks/executions", nil)
}
