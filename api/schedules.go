package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"time"
)

// Trigger is one way a schedule fires: ONCE, DAILY, WEEKLY, MONTHLY or
// CRON, as in Talend's scheduling API.
type Trigger struct {
	ID         string   `json:"id,omitempty"`
	Name       string   `json:"name,omitempty"`
	Type       string   `json:"type"`
	StartDate  string   `json:"startDate,omitempty"` // YYYY-MM-DD
	TimeZone   string   `json:"timeZone,omitempty"`
	Interval   int      `json:"interval,omitempty"`
	AtDays     *AtDays  `json:"atDays,omitempty"`
	AtTimes    *AtTimes `json:"atTimes,omitempty"`
	Expression string   `json:"expression,omitempty"` // CRON
}

// AtDays picks days: DAY_OF_WEEK ("MONDAY", ...) or DAY_OF_MONTH ("1" ...).
type AtDays struct {
	Type string `json:"type"`
	Days Days   `json:"days"`
}

// Days are day names or day-of-month numbers; reading JSON, numbers are
// taken as their decimal strings (the server accepts either form).
type Days []string

// UnmarshalJSON reads ["MONDAY", 3, "15"].
func (d *Days) UnmarshalJSON(b []byte) error {
	var raw []any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("days: want a list of names or numbers: %w", err)
	}
	out := make(Days, 0, len(raw))
	for _, v := range raw {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case json.Number:
			out = append(out, v.String())
		default:
			return fmt.Errorf("days: %v is neither a name nor a number", v)
		}
	}
	*d = out
	return nil
}

// AtTimes picks times of day: AT_TIME (Time), AT_TIMES (Times) or
// AT_INTERVALS (every Interval minutes from StartTime to EndTime).
type AtTimes struct {
	Type      string   `json:"type"`
	Time      string   `json:"time,omitempty"`
	Times     []string `json:"times,omitempty"`
	StartTime string   `json:"startTime,omitempty"`
	EndTime   string   `json:"endTime,omitempty"`
	Interval  int      `json:"interval,omitempty"`
}

// Schedule is a task's or plan's triggers, with its next runs and recent
// fires when read.
type Schedule struct {
	Triggers    []Trigger    `json:"triggers"`
	NextRuns    []NextRun    `json:"nextRuns,omitempty"`
	RecentFires []FireRecord `json:"recentFires,omitempty"`
}

// NextRun is when a trigger fires next.
type NextRun struct {
	TriggerID string `json:"triggerId"`
	At        string `json:"at"`
}

// FireRecord is one fire of a trigger.
type FireRecord struct {
	TriggerID   string    `json:"triggerId"`
	Planned     time.Time `json:"planned"`
	At          time.Time `json:"at"`
	Misfired    bool      `json:"misfired,omitempty"`
	ExecutionID string    `json:"executionId,omitempty"`
	Refusal     string    `json:"refusal,omitempty"`
}

// WebhookCreate makes a webhook that runs a task or plan: at most
// WindowThreshold calls per WindowDuration seconds start a run.
type WebhookCreate struct {
	Name            string `json:"name,omitempty"`
	WindowThreshold int    `json:"windowThreshold"`
	WindowDuration  int    `json:"windowDuration"`
}

// Webhook is a created webhook; its URL holds its secret, shown once.
type Webhook struct {
	URL string `json:"url"`
}

// Schedules calls the schedule and webhook endpoints of tasks or plans.
type Schedules struct {
	c    *Client
	base string
}

// TaskSchedules returns the schedule and webhook calls of tasks.
func (c *Client) TaskSchedules() Schedules { return Schedules{c, tasksPath} }

// PlanSchedules returns the schedule and webhook calls of plans.
func (c *Client) PlanSchedules() Schedules { return Schedules{c, plansPath} }

func (s Schedules) path(id, rest string) string { return s.base + "/" + url.PathEscape(id) + rest }

// Get reads a schedule.
func (s Schedules) Get(ctx context.Context, id string) (*Schedule, error) {
	var out Schedule
	return &out, s.c.Do(ctx, "GET", s.path(id, "/schedule"), nil, nil, &out)
}

// Set replaces a schedule's triggers.
func (s Schedules) Set(ctx context.Context, id string, triggers []Trigger) error {
	return s.c.Do(ctx, "PUT", s.path(id, "/schedule"), nil, Schedule{Triggers: triggers}, nil)
}

// Delete removes a schedule.
func (s Schedules) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", s.path(id, "/schedule"), nil, nil, nil)
}

// CreateWebhook makes (or replaces) the webhook.
func (s Schedules) CreateWebhook(ctx context.Context, id string, in WebhookCreate) (*Webhook, error) {
	var out Webhook
	return &out, s.c.Do(ctx, "POST", s.path(id, "/webhook"), nil, in, &out)
}

// DeleteWebhook removes the webhook.
func (s Schedules) DeleteWebhook(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", s.path(id, "/webhook"), nil, nil, nil)
}

// CallWebhook posts body (of contentType: JSON, XML, form or text) to a
// webhook URL, as the system that triggers the run does; it needs no
// token.
func (c *Client) CallWebhook(ctx context.Context, webhookURL, contentType string, body io.Reader) error {
	u, err := url.Parse(webhookURL)
	if err != nil {
		return fmt.Errorf("webhook URL: %w", err)
	}
	resp, err := c.WithToken("").Raw(ctx, "POST", u.Path, nil, contentType, body)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
