package delivery_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/delivery"
)

func TestWebhookSignsTheBody(t *testing.T) {
	cases := []struct {
		status  int
		wantErr string
	}{{status: 204}, {status: 500, wantErr: "500"}}
	for _, tc := range cases {
		var sig, body string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			sig, body = r.Header.Get(delivery.SignatureHeader), string(b)
			w.WriteHeader(tc.status)
		}))
		err := delivery.Webhook(context.Background(), srv.Client(), srv.URL, "k", []byte(`{"a":1}`))
		srv.Close()
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Fatalf("status %d: err %v, want %q", tc.status, err, tc.wantErr)
		}
		// HMAC-SHA256("k", `{"a":1}`), computed independently with openssl.
		if want := "sha256=" + hmacHex; sig != want || body != `{"a":1}` {
			t.Fatalf("signature %q body %q, want %q", sig, body, want)
		}
	}
}

const hmacHex = "c3a92ff9e274cdcce27a58c15a78ec6dcbbdbd0038a87e7a11baef2028fd8bff"
