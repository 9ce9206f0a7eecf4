package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/authz"
)

// view is what every page template receives.
type view struct {
	Title string
	Nav   string // the highlighted navigation entry
	User  string
	CSRF  string
	// Error is an API refusal shown beside the form that caused it.
	Error string
	Data  any

	principal *authz.Principal
}

// With is the view with other data, for a template that renders one
// part of a page (and live updates of it).
func (v view) With(data any) view {
	v.Data = data
	return v
}

// Can reports whether the user holds the permissions the API requires
// for method and path (the route's rule in authz.Table).
func (v view) Can(method, path string) bool {
	rule, ok := authz.Lookup(method, path)
	return ok && authz.Allowed(v.principal, rule.Access)
}

// CanIn reports whether the user holds a workspace right (VIEW,
// EXECUTE, AUTHOR, PUBLISH, MANAGE).
func (v view) CanIn(workspaceID, right string) bool { return v.principal.HasIn(workspaceID, right) }

// templateFuncs are the functions page templates may call.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"when": func(t any) template.HTML {
			var at time.Time
			switch v := t.(type) {
			case time.Time:
				at = v
			case *time.Time:
				if v != nil {
					at = *v
				}
			}
			if at.IsZero() {
				return "—"
			}
			utc := at.UTC()
			return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time>`,
				utc.Format(time.RFC3339), template.HTMLEscapeString(utc.Format("2006-01-02 15:04:05 UTC"))))
		},
		"lower":  strings.ToLower,
		"status": statusClass,
		// deployed colours a deployment's status: a RUNNING service is
		// where it should be, unlike a RUNNING plan step.
		"deployed": func(s string) string {
			if s == "RUNNING" {
				return "ok"
			}
			return statusClass(s)
		},
		"short":   func(id string) string { return id[:min(8, len(id))] },
		"trigger": describeTrigger,
		"list":    func(s ...string) []string { return s },
		"gib":     func(b uint64) float64 { return float64(b) / (1 << 30) },
		"join":    strings.Join,
		"inc":     func(i int) int { return i + 1 },
	}
}

// statusClass maps a status word to its badge colour.
func statusClass(s string) string {
	switch strings.ToUpper(s) {
	case "AVAILABLE", "PAIRED", "EXECUTION_SUCCESS", "LEADER", "HEALTHY", "ACTIVE", "VOTER", "SUCCEEDED", "SUCCESSFUL":
		return "ok"
	case "NOT_PAIRED", "EXECUTION_EVENT_RECEIVED", "DISPATCHING_FLOW", "STARTING_FLOW_EXECUTION",
		"STOPPING_FLOW_EXECUTION", "PAUSED", "BUSY", "RUNNING", "DEPLOYING", "UNDEPLOYING", "IN_PROGRESS":
		return "warn"
	case "NOT_AVAILABLE", "EXECUTION_FAILED", "EXECUTION_REJECTED", "DEPLOY_FAILED", "EXECUTION_TERMINATED",
		"EXECUTION_TERMINATED_TIMEOUT", "UNHEALTHY", "RETIRED", "FAILED", "STOPPED", "ROLLED_BACK":
		return "bad"
	}
	return "neutral"
}

// parsePages parses each page template with the shared layout.
func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.New(name).Funcs(templateFuncs()).ParseFS(assets, "templates/layout.html", "templates/partials.html", f)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a full page.
func (c *Console) render(w http.ResponseWriter, status int, name string, v view, q *request) {
	if q != nil {
		v.principal, v.CSRF = q.principal, q.sess.csrfToken()
		if q.principal != nil {
			v.User = q.principal.Name
		}
	}
	t, ok := c.pages[name]
	if !ok {
		http.Error(w, "no such page template: "+name, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		c.opts.Logger.Error("console: render page", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fragment renders one named template of a page (a live table body).
func (c *Console) fragment(page, name string, v view) (string, error) {
	var buf bytes.Buffer
	if err := c.pages[page].ExecuteTemplate(&buf, name, v); err != nil {
		return "", fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	return buf.String(), nil
}

// fail shows an error page: the API's own status and message for its
// refusals, a generic message (and a log line) for anything else.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, q *request, err error) {
	ae, ok := refusalOf(err)
	if !ok {
		c.opts.Logger.Error("console: page failed", "path", r.URL.Path, "err", err)
		ae = &APIError{Status: http.StatusInternalServerError, Message: "something went wrong on this node; try again"}
	}
	c.render(w, ae.Status, "error", view{Title: http.StatusText(ae.Status), Error: ae.Message,
		Data: ae.Status}, q)
}

// formError re-renders a form page with the API's message beside it,
// or fails the page when the error is not a refusal.
func (c *Console) formError(w http.ResponseWriter, r *http.Request, q *request, err error, name string, v view) error {
	ae, ok := refusalOf(err)
	if !ok {
		return err
	}
	v.Error = ae.Message
	c.render(w, ae.Status, name, v, q)
	return nil
}
