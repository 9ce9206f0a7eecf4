package identity

import (
	"encoding/csv"
	"net/http"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// exportUsers writes the users (all, or those matching ?search=) as CSV
// with every column.
func (h *Handlers) exportUsers(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="users.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "login", "email", "firstName", "lastName", "status", "roles", "groups", "consumesSeat", "createdAt"})
	for _, u := range matchingUsers(r, txn) {
		v := userViewOf(txn, u)
		var roles, groups []string
		for _, id := range v.Roles {
			if role := state.RoleByID(txn, id); role != nil {
				roles = append(roles, role.Name)
			}
		}
		for _, id := range v.Groups {
			if g := state.GroupByID(txn, id); g != nil {
				groups = append(groups, g.Name)
			}
		}
		seat := "false"
		if v.ConsumesSeat {
			seat = "true"
		}
		_ = cw.Write(cells(v.ID, v.Login, v.Email, v.FirstName, v.LastName, v.Status,
			strings.Join(roles, ";"), strings.Join(groups, ";"), seat, v.CreatedAt.Format(time.RFC3339)))
	}
	cw.Flush()
	return nil
}

// cells defuses spreadsheet formulas: a cell starting with = + - @ is
// prefixed with a quote, so opening the export cannot run anything.
func cells(vals ...string) []string {
	for i, v := range vals {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			vals[i] = "'" + v
		}
	}
	return vals
}
