package api

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// ServiceAccount is a non-human caller. Secret is shown once, on creation.
type ServiceAccount struct {
	ID               string    `json:"id"`
	Secret           string    `json:"secret,omitempty"`
	Name             string    `json:"name"`
	Permissions      []string  `json:"permissions"`
	CreatedDate      time.Time `json:"createdDate"`
	LastModifiedDate time.Time `json:"lastModifiedDate"`
	LastUsedDate     time.Time `json:"lastUsedDate,omitzero"`
	LastUsedAPI      string    `json:"lastUsedApi,omitempty"`
}

// ServiceAccountInput creates or replaces a service account.
type ServiceAccountInput struct {
	Name        string   `json:"name"`
	Permissions []string `json:"permissions"`
}

// ServiceAccounts calls /account/service-accounts.
type ServiceAccounts struct{ c *Client }

// ServiceAccounts returns the service-account calls.
func (c *Client) ServiceAccounts() ServiceAccounts { return ServiceAccounts{c} }

const serviceAccountsPath = "/account/service-accounts"

func serviceAccountPath(id string) string { return serviceAccountsPath + "/" + url.PathEscape(id) }

// List lists the service accounts.
func (s ServiceAccounts) List(ctx context.Context) ([]ServiceAccount, error) {
	var out []ServiceAccount
	return out, s.c.Do(ctx, "GET", serviceAccountsPath, nil, nil, &out)
}

// Get reads one service account.
func (s ServiceAccounts) Get(ctx context.Context, id string) (*ServiceAccount, error) {
	var out ServiceAccount
	return &out, s.c.Do(ctx, "GET", serviceAccountPath(id), nil, nil, &out)
}

// Create creates a service account; the answer holds its secret.
func (s ServiceAccounts) Create(ctx context.Context, in ServiceAccountInput) (*ServiceAccount, error) {
	var out ServiceAccount
	return &out, s.c.Do(ctx, "POST", serviceAccountsPath, nil, in, &out)
}

// Update replaces a service account's name and permissions.
func (s ServiceAccounts) Update(ctx context.Context, id string, in ServiceAccountInput) (*ServiceAccount, error) {
	var out ServiceAccount
	return &out, s.c.Do(ctx, "PUT", serviceAccountPath(id), nil, in, &out)
}

// Delete deletes a service account.
func (s ServiceAccounts) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", serviceAccountPath(id), nil, nil, nil)
}

// Count counts the service accounts.
func (s ServiceAccounts) Count(ctx context.Context) (int, error) {
	var out struct {
		Count int `json:"count"`
	}
	return out.Count, s.c.Do(ctx, "GET", serviceAccountsPath+"/count", nil, nil, &out)
}

// Permissions lists the permissions a service account can hold.
func (s ServiceAccounts) Permissions(ctx context.Context) ([]string, error) {
	var out []string
	return out, s.c.Do(ctx, "GET", serviceAccountsPath+"/permissions", nil, nil, &out)
}

// AccessToken is a personal access token. Token, the secret, is shown
// once, on creation.
type AccessToken struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Owner      string    `json:"owner"`
	OwnerName  string    `json:"ownerName,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	LastUsedAt time.Time `json:"lastUsedAt,omitzero"`
	Token      string    `json:"token,omitempty"`
}

// AccessTokens calls /account/access-tokens.
type AccessTokens struct{ c *Client }

// AccessTokens returns the personal-access-token calls.
func (c *Client) AccessTokens() AccessTokens { return AccessTokens{c} }

const tokensPath = "/account/access-tokens"

// List lists the caller's tokens, or every user's when all (which needs
// the user-management permission).
func (s AccessTokens) List(ctx context.Context, all bool) ([]AccessToken, error) {
	var out []AccessToken
	q := url.Values{}
	if all {
		q.Set("all", "true")
	}
	return out, s.c.Do(ctx, "GET", tokensPath, q, nil, &out)
}

// Create makes a token for the caller; the answer holds the secret.
func (s AccessTokens) Create(ctx context.Context, name string) (*AccessToken, error) {
	var out AccessToken
	return &out, s.c.Do(ctx, "POST", tokensPath, nil, map[string]string{"name": name}, &out)
}

// Rename renames a token.
func (s AccessTokens) Rename(ctx context.Context, id, name string) (*AccessToken, error) {
	var out AccessToken
	return &out, s.c.Do(ctx, "PATCH", tokensPath+"/"+url.PathEscape(id), nil, map[string]string{"name": name}, &out)
}

// Revoke revokes a token.
func (s AccessTokens) Revoke(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", tokensPath+"/"+url.PathEscape(id), nil, nil, nil)
}

// Session is an access token from /security/oauth/token.
type Session struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

const oauthPath = "/security/oauth/token"

// Login signs a user in with login and password; a client WithToken of
// the answer's AccessToken calls as that user.
func (c *Client) Login(ctx context.Context, login, password string) (*Session, error) {
	var out Session
	in := map[string]string{"grant_type": "password", "username": login, "password": password}
	return &out, c.WithToken("").Do(ctx, "POST", oauthPath, nil, in, &out)
}

// ServiceAccountToken exchanges a service account's ID and secret for an
// access token (OAuth client credentials).
func (c *Client) ServiceAccountToken(ctx context.Context, id, secret string) (*Session, error) {
	req, err := c.request(ctx, "POST", oauthPath, nil, "application/json",
		strings.NewReader(`{"grant_type":"client_credentials"}`))
	if err != nil {
		return nil, err
	}
	req.Header.Del("Authorization")
	req.SetBasicAuth(id, secret)
	return decodeAnswer[Session](c, req)
}

// ChangePassword changes a user's password given the current one (also
// when it has expired); it needs no token.
func (c *Client) ChangePassword(ctx context.Context, login, password, newPassword string) error {
	in := map[string]string{"login": login, "password": password, "newPassword": newPassword}
	return c.WithToken("").Do(ctx, "POST", "/security/password", nil, in, nil)
}

// PasswordPolicy is the account's lockout and expiry policy.
type PasswordPolicy struct {
	LockoutEnabled         bool `json:"lockoutEnabled"`
	MaxFailedAttempts      int  `json:"maxFailedAttempts"`
	LockoutDurationSeconds int  `json:"lockoutDurationSeconds"`
	ExpirationEnabled      bool `json:"expirationEnabled"`
	ExpirationIntervalDays int  `json:"expirationIntervalDays"`
}

// PasswordPolicy reads the password policy.
func (c *Client) PasswordPolicy(ctx context.Context) (*PasswordPolicy, error) {
	var out PasswordPolicy
	return &out, c.Do(ctx, "GET", "/account/password-policy", nil, nil, &out)
}

// SetPasswordPolicy replaces the password policy.
func (c *Client) SetPasswordPolicy(ctx context.Context, p PasswordPolicy) (*PasswordPolicy, error) {
	var out PasswordPolicy
	return &out, c.Do(ctx, "PUT", "/account/password-policy", nil, p, &out)
}

// Usage is a used count against a total (0: no limit).
type Usage struct {
	Total int `json:"total"`
	Used  int `json:"used"`
}

// AccountSubscription is the account's licence use.
type AccountSubscription struct {
	TenantID           string `json:"tenantId"`
	Seats              Usage  `json:"seats"`
	EngineTokens       Usage  `json:"engineTokens"`
	ServiceAccounts    Usage  `json:"serviceAccounts"`
	StudioSeats        int    `json:"studioSeatsUsed"`
	AdministratorUsers int    `json:"administratorUsers"`
}

// AccountSubscription reads the account's licence use.
func (c *Client) AccountSubscription(ctx context.Context) (*AccountSubscription, error) {
	var out AccountSubscription
	return &out, c.Do(ctx, "GET", "/account/subscription", nil, nil, &out)
}

// DeactivateSCIM deactivates the user userName of account accountName, as
// the product's SCIM deactivation call does.
func (c *Client) DeactivateSCIM(ctx context.Context, accountName, userName string) error {
	in := map[string]string{"accountName": accountName, "userName": userName}
	return c.Do(ctx, "POST", "/scim/v2/Users/deactivate", nil, in, nil)
}
