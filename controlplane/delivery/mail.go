package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// SMTP security modes (Mailer.Security).
const (
	// SecurityStartTLS upgrades the connection with STARTTLS and refuses a
	// server that does not offer it (submission, port 587). The default.
	SecurityStartTLS = "starttls"
	// SecurityTLS speaks TLS from the first byte (port 465).
	SecurityTLS = "tls"
	// SecurityNone sends in the clear: only for a relay on the same host
	// or a trusted network (net/smtp still refuses to send a password in
	// the clear to anything but localhost).
	SecurityNone = "none"
)

// Mailer sends notification mails through one SMTP server. The zero
// value is "no mail server": Configured reports false.
type Mailer struct {
	// Addr is the server's host:port. Empty: mail is not configured.
	Addr string
	// From is the envelope sender and the From header.
	From string
	// Username and Password authenticate with AUTH PLAIN; empty Username
	// sends without AUTH.
	Username, Password string
	// Security is SecurityStartTLS (default), SecurityTLS or SecurityNone.
	Security string
	// TLSConfig overrides the TLS settings; ServerName defaults to Addr's
	// host. Set RootCAs for a server with a private CA.
	TLSConfig *tls.Config
	// Timeout bounds one send. Default 30 s.
	Timeout time.Duration
}

// Configured reports whether a mail server is set.
func (m *Mailer) Configured() bool { return m != nil && m.Addr != "" }

// Validate checks the settings at start-up, so a typo is a start error
// instead of a failed delivery hours later.
func (m *Mailer) Validate() error {
	if !m.Configured() {
		return nil
	}
	if _, _, err := net.SplitHostPort(m.Addr); err != nil {
		return fmt.Errorf("--smtp-addr %q: want host:port: %w", m.Addr, err)
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		return fmt.Errorf("--smtp-from %q: not an email address (required with --smtp-addr): %w", m.From, err)
	}
	switch m.Security {
	case "", SecurityStartTLS, SecurityTLS, SecurityNone:
	default:
		return fmt.Errorf("--smtp-security %q: want %s, %s or %s", m.Security, SecurityStartTLS, SecurityTLS, SecurityNone)
	}
	return nil
}

// Send mails a plain-text message to one recipient.
func (m *Mailer) Send(ctx context.Context, to, subject, text string) error {
	if !m.Configured() {
		return errors.New("no mail server configured (--smtp-addr)")
	}
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("recipient %q: %w", to, err)
	}
	msg, err := m.message(rcpt, subject, text)
	if err != nil {
		return err
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := m.send(ctx, rcpt.Address, msg); err != nil {
		return fmt.Errorf("smtp %s: %w", m.Addr, err)
	}
	return nil
}

func (m *Mailer) send(ctx context.Context, rcpt string, msg []byte) error {
	host, _, _ := net.SplitHostPort(m.Addr)
	conn, err := m.dial(ctx, host)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // net/smtp takes no context
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	defer c.Close()
	if m.Security == "" || m.Security == SecurityStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("server does not offer STARTTLS (set --smtp-security none for a local relay)")
		}
		if err := c.StartTLS(m.tlsConfig(host)); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fmt.Errorf("auth as %s: %w", m.Username, err)
		}
	}
	from, _ := mail.ParseAddress(m.From)
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("message refused: %w", err)
	}
	return c.Quit()
}

func (m *Mailer) dial(ctx context.Context, host string) (net.Conn, error) {
	if m.Security == SecurityTLS {
		d := tls.Dialer{Config: m.tlsConfig(host)}
		return d.DialContext(ctx, "tcp", m.Addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", m.Addr)
}

func (m *Mailer) tlsConfig(host string) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if m.TLSConfig != nil {
		cfg = m.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

// message is the RFC 5322 message: headers, then the text as
// quoted-printable UTF-8 (safe for any line length or character).
func (m *Mailer) message(to *mail.Address, subject, text string) ([]byte, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, fmt.Errorf("sender %q: %w", m.From, err)
	}
	var b strings.Builder
	subject = strings.NewReplacer("\r", " ", "\n", " ").Replace(subject) // no header injection
	for _, h := range [][2]string{
		{"From", from.String()},
		{"To", to.String()},
		{"Subject", mime.QEncoding.Encode("utf-8", subject)},
		{"Date", time.Now().UTC().Format(time.RFC1123Z)},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"Auto-Submitted", "auto-generated"},
	} {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
