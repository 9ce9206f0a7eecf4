package benchkit

import (
	"net/http"

	"github.com/roundhouse/roundhouse/api"
)

// NewClient is the API client of a benchmark: the typed api client calling
// addr ("host:port" or a URL) as token over hc, sending every call once so
// a refusal or a failover is measured as it happened.
func NewClient(addr, token string, hc *http.Client) *api.Client {
	c, err := api.New(api.Config{Address: addr, Token: token, HTTPClient: hc})
	if err != nil {
		panic("benchkit: " + err.Error()) // addresses come from the programs themselves
	}
	return c.WithRetry(api.NoRetry())
}
