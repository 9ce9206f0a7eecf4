package main

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// plistStrings returns every <string> of a plist, in order.
func plistStrings(t *testing.T, doc string) []string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = true
	var out []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("plist is not well-formed XML: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "string" {
			var s string
			if err := dec.DecodeElement(&s, &se); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
	}
}

func TestServiceDefinitionPerPlatform(t *testing.T) {
	data := struct{ Exe, DataDir, User string }{"/usr/local/bin/roundhouse-engine", "/var/lib/roundhouse engine & co", "_roundhouse"}
	tests := []struct {
		goos     string
		path     string
		contains []string
	}{
		{"darwin", "/Library/LaunchDaemons/com.roundhouse.engine.plist", []string{
			"com.roundhouse.engine", "/usr/local/bin/roundhouse-engine", "run", "--data-dir", "/var/lib/roundhouse engine & co", "_roundhouse"}},
		{"linux", "/etc/systemd/system/roundhouse-engine.service", []string{
			"ExecStart=/usr/local/bin/roundhouse-engine run --data-dir", "User=_roundhouse", "KillMode=process"}},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			mgr, err := serviceManagerFor(tt.goos)
			if err != nil {
				t.Fatal(err)
			}
			if mgr.defaultPath != tt.path {
				t.Errorf("default path %s, want %s", mgr.defaultPath, tt.path)
			}
			var b strings.Builder
			if err := mgr.tmpl.Execute(&b, data); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if tt.goos == "darwin" {
				// Program arguments are separate strings: a space in
				// the data dir stays inside one argument.
				got = strings.Join(plistStrings(t, got), "\n")
				if !strings.Contains(got, "--data-dir\n/var/lib/roundhouse engine & co\n") {
					t.Errorf("data dir not one argument:\n%s", got)
				}
			}
			for _, want := range tt.contains {
				if !strings.Contains(got, want) {
					t.Errorf("definition lacks %q:\n%s", want, got)
				}
			}
		})
	}
	if _, err := serviceManagerFor("windows"); err == nil || !strings.Contains(err.Error(), "not supported yet") {
		t.Errorf("windows: err %v, want a clear not-yet error", err)
	}
}
