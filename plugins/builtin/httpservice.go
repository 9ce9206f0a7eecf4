package builtin

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/plugins/sdk"
)

// httpService is the sample microservice: GET / answers with the
// artifact's name and version, GET /health with 200, and every other path
// with 404. It exists to exercise deployments end to end.
type httpService struct {
	*sdk.ServiceServer
	banner atomic.Pointer[string]
}

func newHTTPService() *httpService {
	s := &httpService{}
	s.ServiceServer = sdk.NewServiceServer(http.HandlerFunc(s.serve))
	return s
}

func (s *httpService) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if b := s.banner.Load(); b != nil {
		fmt.Fprintln(w, *b)
	}
}

// Start records the artifact's name and version, then serves.
func (s *httpService) Start(ctx context.Context, req plugins.StartRequest) (plugins.StartInfo, error) {
	b := req.Name + " " + req.Version
	s.banner.Store(&b)
	return s.ServiceServer.Start(ctx, req)
}
