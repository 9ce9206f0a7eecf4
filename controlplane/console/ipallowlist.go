package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/roundhouse/roundhouse/api"
)

type ipAllowlistData struct {
	// List is nil while no allowlist exists.
	List *api.IPAllowlist
	// Caller is the browser's address as the API sees it.
	Caller string
	// Form holds what the user typed when the API refused it.
	IP, Description string
}

func (c *Console) ipAllowlistRoutes() {
	c.page("GET /console/ip-allowlist", c.ipAllowlist)
	c.page("POST /console/ip-allowlist/ips", c.ipAdd)
	c.page("GET /console/ip-allowlist/ips/{id}/delete", c.ipConfirmDelete)
	c.page("POST /console/ip-allowlist/ips/{id}/delete", c.ipDelete)
	c.page("GET /console/ip-allowlist/enable", c.ipConfirmEnable)
	c.page("POST /console/ip-allowlist/enable", c.ipEnable)
	c.page("POST /console/ip-allowlist/disable", c.ipDisable)
}

// ipAllowlistOf reads the allowlist; a missing one is not an error.
func ipAllowlistOf(q *request, r *http.Request) (ipAllowlistData, error) {
	d := ipAllowlistData{Caller: callerIP(r)}
	list, err := q.api.IPAllowlist().Get(q.ctx)
	var e *api.Error
	if errors.As(err, &e) && e.StatusCode == http.StatusNotFound {
		return d, nil
	}
	d.List = list
	return d, err
}

// callerIP is the host part of the browser's address.
func callerIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

func (c *Console) ipAllowlist(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := ipAllowlistOf(q, r)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "ip_allowlist", view{Title: "IP allowlist", Nav: "users", Data: d}, q)
	return nil
}

// ipAdd adds an entry, creating the (disabled) allowlist with it when
// none exists yet.
func (c *Console) ipAdd(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := ipAllowlistOf(q, r)
	if err != nil {
		return err
	}
	entry := api.IPEntry{IP: strings.TrimSpace(r.FormValue("ip")), Description: strings.TrimSpace(r.FormValue("description"))}
	if d.List == nil {
		disabled := false
		_, err = q.api.IPAllowlist().Create(q.ctx, api.IPAllowlistInput{Enabled: &disabled, IPs: []api.IPEntry{entry}})
	} else {
		_, err = q.api.IPAllowlist().AddIPs(q.ctx, []api.IPEntry{entry})
	}
	if err != nil {
		d.IP, d.Description = entry.IP, entry.Description
		return c.formError(w, r, q, err, "ip_allowlist", view{Title: "IP allowlist", Nav: "users", Data: d})
	}
	http.Redirect(w, r, Prefix+"ip-allowlist", http.StatusSeeOther)
	return nil
}

func (c *Console) ipConfirmDelete(w http.ResponseWriter, r *http.Request, q *request) error {
	e, err := q.api.IPAllowlist().IP(q.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "confirm", view{Title: "Remove " + e.IP, Nav: "users", Data: confirmData{
		Verb: "Remove", What: "the entry", Name: e.IP, Action: Prefix + "ip-allowlist/ips/" + url.PathEscape(e.ID) + "/delete",
		Cancel: Prefix + "ip-allowlist", Consequence: "While the allowlist is enabled, callers from this address are refused at once.",
	}}, q)
	return nil
}

func (c *Console) ipDelete(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := q.api.IPAllowlist().DeleteIP(q.ctx, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"ip-allowlist", http.StatusSeeOther)
	return nil
}

func (c *Console) ipConfirmEnable(w http.ResponseWriter, r *http.Request, q *request) error {
	c.render(w, http.StatusOK, "confirm", view{Title: "Enable the IP allowlist", Nav: "users", Data: confirmData{
		Verb: "Enable", What: "the IP allowlist", Name: "account", Action: Prefix + "ip-allowlist/enable", Cancel: Prefix + "ip-allowlist",
		Consequence: "Every API call and console page from an address outside the list is refused, yours included (" + callerIP(r) + ").",
	}}, q)
	return nil
}

func (c *Console) ipEnable(w http.ResponseWriter, r *http.Request, q *request) error {
	return c.ipSet(w, r, q, true)
}

func (c *Console) ipDisable(w http.ResponseWriter, r *http.Request, q *request) error {
	return c.ipSet(w, r, q, false)
}

func (c *Console) ipSet(w http.ResponseWriter, r *http.Request, q *request, enabled bool) error {
	if _, err := q.api.IPAllowlist().SetEnabled(q.ctx, enabled); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"ip-allowlist", http.StatusSeeOther)
	return nil
}
