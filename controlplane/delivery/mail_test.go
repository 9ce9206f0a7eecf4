package delivery_test

import (
	"bytes"
	"context"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/delivery"
	"github.com/roundhouse/roundhouse/controlplane/delivery/deliverytest"
)

func TestMailerDeliversThroughARealSMTPServer(t *testing.T) {
	cases := []struct {
		name     string
		opts     deliverytest.SMTPOptions
		security string
		user     string
		pass     string
		wantErr  string // empty: delivered
	}{
		{name: "starttls with auth", opts: deliverytest.SMTPOptions{User: "rh", Password: "s3cret"}, user: "rh", pass: "s3cret"},
		{name: "implicit tls", opts: deliverytest.SMTPOptions{ImplicitTLS: true}, security: delivery.SecurityTLS},
		{name: "plain relay", opts: deliverytest.SMTPOptions{NoTLS: true}, security: delivery.SecurityNone},
		{name: "wrong password", opts: deliverytest.SMTPOptions{User: "rh", Password: "s3cret"}, user: "rh", pass: "nope", wantErr: "auth as rh"},
		{name: "no starttls offered", opts: deliverytest.SMTPOptions{NoTLS: true}, wantErr: "does not offer STARTTLS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := deliverytest.StartSMTP(t, tc.opts)
			m := &delivery.Mailer{Addr: srv.Addr, From: "Roundhouse <roundhouse@example.com>", Username: tc.user,
				Password: tc.pass, Security: tc.security, TLSConfig: srv.ClientTLS, Timeout: 5 * time.Second}
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			text := "Engine edge-1 is NOT_AVAILABLE.\n" + strings.Repeat("é", 200) + "\n.\nend"
			err := m.Send(context.Background(), "ops@example.com", "Engine edge-1 unavailable\r\nBcc: evil@example.com", text)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Send: %v, want an error with %q", err, tc.wantErr)
				}
				if tc.pass != "" && strings.Contains(err.Error(), tc.pass) {
					t.Fatalf("error %q shows the password", err)
				}
				if n := len(srv.Messages()); n != 0 {
					t.Fatalf("%d messages accepted, want none", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Wait(t, 1, 5*time.Second)[0]
			if got.From != "roundhouse@example.com" || len(got.To) != 1 || got.To[0] != "ops@example.com" {
				t.Fatalf("envelope %q → %q", got.From, got.To)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
			if err != nil {
				t.Fatalf("parse message: %v", err)
			}
			if s := msg.Header.Get("Subject"); !strings.Contains(s, "Engine edge-1 unavailable") || msg.Header.Get("Bcc") != "" {
				t.Fatalf("subject %q, Bcc %q: a CR/LF in the subject must not add a header", s, msg.Header.Get("Bcc"))
			}
			body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
			// DATA ends the message with a line break of its own.
			if want := strings.ReplaceAll(text, "\n", "\r\n"); strings.TrimSuffix(string(body), "\r\n") != want {
				t.Fatalf("body %q, want %q", body, want)
			}
		})
	}
}

func TestMailerValidate(t *testing.T) {
	cases := []struct {
		m       delivery.Mailer
		wantErr string
	}{
		{m: delivery.Mailer{}},
		{m: delivery.Mailer{Addr: "mail.example.com:587", From: "rh@example.com"}},
		{m: delivery.Mailer{Addr: "mail.example.com", From: "rh@example.com"}, wantErr: "--smtp-addr"},
		{m: delivery.Mailer{Addr: "mail.example.com:587"}, wantErr: "--smtp-from"},
		{m: delivery.Mailer{Addr: "mail.example.com:587", From: "rh@example.com", Security: "ssl"}, wantErr: "--smtp-security"},
	}
	for _, tc := range cases {
		err := tc.m.Validate()
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%+v: Validate() = %v, want %q", tc.m, err, tc.wantErr)
		}
	}
}

func TestMailerWithoutServerRefuses(t *testing.T) {
	var m *delivery.Mailer
	if m.Configured() {
		t.Fatal("nil mailer configured")
	}
	if err := m.Send(context.Background(), "a@example.com", "s", "t"); err == nil || !strings.Contains(err.Error(), "--smtp-addr") {
		t.Fatalf("Send without server: %v", err)
	}
}
