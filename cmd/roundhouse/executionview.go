package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/api"
)

// printExecution writes the readable view of an execution: what ran,
// where, when and how it ended, one "label: value" line each, leaving
// out what is not known yet.
func printExecution(w io.Writer, e *api.Execution) error {
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	duration := ""
	if e.StartedAt != nil && e.FinishedAt != nil {
		duration = e.FinishedAt.Sub(*e.StartedAt).Round(time.Millisecond).String()
	}
	params := make([]string, 0, len(e.Parameters))
	for k, v := range e.Parameters {
		params = append(params, k+"="+v)
	}
	slices.Sort(params)
	errText := strings.TrimSpace(e.ErrorType + " " + e.ErrorMessage)
	// What the engine said matters only where it differs from the status.
	engineSaid := strings.TrimSpace(e.EngineReportedStatus + " " + e.EngineReportedMessage)
	if e.EngineReportedStatus == e.ExecutionStatus && e.EngineReportedMessage == "" {
		engineSaid = ""
	}
	lines := [][2]string{
		{"execution", e.ID},
		{"status", e.ExecutionStatus},
		{"task", e.TaskID},
		{"artifact", strings.TrimSpace(e.ArtifactID + " " + e.ArtifactVersion)},
		{"runs on", strings.TrimSpace(strings.ToLower(e.RuntimeType) + " " + e.RuntimeID)},
		{"engine", e.EngineID},
		{"type", e.ExecutionType},
		{"attempt", fmt.Sprint(e.Attempt)},
		{"parameters", strings.Join(params, " ")},
		{"triggered", e.TriggerTime.UTC().Format(time.RFC3339)},
		{"started", at(e.StartedAt)},
		{"finished", at(e.FinishedAt)},
		{"duration", duration},
		{"error", errText},
		{"engine said", engineSaid},
	}
	for _, l := range lines {
		if l[1] == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "%-12s %s\n", l[0]+":", l[1]); err != nil {
			return err
		}
	}
	return nil
}
