package main

import (
	"encoding/xml"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"
)

// launchdLabel names the agent's launchd job.
const launchdLabel = "com.roundhouse.engine"

// plistTemplate runs the agent under launchd on macOS. AbandonProcessGroup:
// stopping or restarting the agent must not kill running workloads, which
// it reattaches to (systemd's KillMode=process). KeepAlive restarts it
// after a failure; launchd cannot exempt one exit status, so a revoked
// agent (status 3) is restarted every ThrottleInterval and exits again
// until it is unloaded.
var plistTemplate = template.Must(template.New("plist").Funcs(template.FuncMap{"xml": xmlText}).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + launchdLabel + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>{{.Exe | xml}}</string>
		<string>run</string>
		<string>--data-dir</string>
		<string>{{.DataDir | xml}}</string>
	</array>
{{- if .User}}
	<key>UserName</key>
	<string>{{.User | xml}}</string>
{{- end}}
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
	<key>ThrottleInterval</key>
	<integer>5</integer>
	<key>AbandonProcessGroup</key>
	<true/>
	<key>SoftResourceLimits</key>
	<dict>
		<key>NumberOfFiles</key>
		<integer>65536</integer>
	</dict>
	<key>StandardErrorPath</key>
	<string>/var/log/roundhouse-engine.log</string>
</dict>
</plist>
`))

// xmlText escapes s for a plist's character data.
func xmlText(s string) (string, error) {
	var b strings.Builder
	err := xml.EscapeText(&b, []byte(s))
	return b.String(), err
}

// serviceManager is how install registers the agent on one platform.
type serviceManager struct {
	tmpl        *template.Template
	defaultPath string
	enableHint  func(path string) string // printed after writing path
}

// errNoWindowsService says what to do on Windows until the agent speaks
// the Service Control Manager's protocol.
var errNoWindowsService = errors.New("install: running as a Windows service is not supported yet; " +
	"run `roundhouse-engine run --data-dir DIR` under a service wrapper or a scheduled task at start-up")

// serviceManagerFor picks the service definition for goos.
func serviceManagerFor(goos string) (serviceManager, error) {
	switch goos {
	case "darwin":
		return serviceManager{plistTemplate, "/Library/LaunchDaemons/" + launchdLabel + ".plist", func(path string) string {
			return fmt.Sprintf("wrote %s; load it with: launchctl bootstrap system %s", path, path)
		}}, nil
	case "windows":
		return serviceManager{}, errNoWindowsService
	default:
		return serviceManager{unitTemplate, "/etc/systemd/system/roundhouse-engine.service", func(path string) string {
			return fmt.Sprintf("wrote %s; enable it with: systemctl daemon-reload && systemctl enable --now %s", path, filepath.Base(path))
		}}, nil
	}
}
