package api

import (
	"context"
	"net/url"
)

// Subscription is a notification subscription: signed webhooks to URL, or
// mail to the subscriber's email when URL is empty. Secret, the signing
// key, is shown once, on creation.
type Subscription struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret,omitempty"`
}

// SubscriptionCreate subscribes the caller to events.
type SubscriptionCreate struct {
	Events []string `json:"events"`
	URL    string   `json:"url,omitempty"`
}

// Subscriptions calls one of the subscription endpoints.
type Subscriptions struct {
	c    *Client
	path string
}

// EngineSubscriptions returns the calls on the caller's engine
// notification subscriptions (ENGINE_UNAVAILABLE, ENGINE_DELETED).
func (c *Client) EngineSubscriptions() Subscriptions { return Subscriptions{c, engineSubsPath} }

// NotificationSubscriptions returns the calls on the caller's execution
// and plan notification subscriptions (/account/notification-subscriptions).
func (c *Client) NotificationSubscriptions() Subscriptions {
	return Subscriptions{c, "/account/notification-subscriptions"}
}

// List lists the caller's subscriptions.
func (s Subscriptions) List(ctx context.Context) ([]Subscription, error) {
	var out []Subscription
	return out, s.c.Do(ctx, "GET", s.path, nil, nil, &out)
}

// Create subscribes the caller.
func (s Subscriptions) Create(ctx context.Context, in SubscriptionCreate) (*Subscription, error) {
	var out Subscription
	return &out, s.c.Do(ctx, "POST", s.path, nil, in, &out)
}

// Delete removes one of the caller's subscriptions.
func (s Subscriptions) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", s.path+"/"+url.PathEscape(id), nil, nil, nil)
}
