package console

import (
	"net/http"
	"strings"

	"github.com/roundhouse/roundhouse/api"
)

// auditShown is how many of the newest matching entries the page lists.
const auditShown = 200

type auditData struct {
	Entries []api.AuditEntry
	Text    string
}

func (c *Console) auditRoutes() {
	c.page("GET /console/audit", c.audit)
}

// audit lists the newest entries, optionally those whose action, actor
// or target contains the text filter.
func (c *Console) audit(w http.ResponseWriter, r *http.Request, q *request) error {
	d := auditData{Text: strings.TrimSpace(r.FormValue("q"))}
	var kept []api.AuditEntry
	after := uint64(0)
	for range 100 { // at most 100,000 entries scanned
		batch, err := q.api.AuditLog(q.ctx, after, 1000)
		if err != nil {
			return err
		}
		for _, e := range batch {
			if d.Text == "" || strings.Contains(strings.ToLower(e.Action+" "+e.ActorName+" "+e.TargetName+" "+e.TargetID), strings.ToLower(d.Text)) {
				kept = append(kept, e)
			}
		}
		if len(kept) > auditShown {
			kept = kept[len(kept)-auditShown:]
		}
		if len(batch) < 1000 {
			break
		}
		after = batch[len(batch)-1].Seq
	}
	for i := len(kept) - 1; i >= 0; i-- {
		d.Entries = append(d.Entries, kept[i])
	}
	c.render(w, http.StatusOK, "audit", view{Title: "Audit log", Nav: "audit", Data: d}, q)
	return nil
}
