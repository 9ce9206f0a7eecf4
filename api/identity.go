package api

import (
	"context"
	"io"
	"net/url"
	"time"
)

// User is an account user.
type User struct {
	ID           string    `json:"id"`
	Login        string    `json:"login"`
	Email        string    `json:"email"`
	FirstName    string    `json:"firstName,omitempty"`
	LastName     string    `json:"lastName,omitempty"`
	Roles        []string  `json:"roles"`
	Groups       []string  `json:"groups"`
	Status       string    `json:"status"`
	ConsumesSeat bool      `json:"consumesSeat"`
	HasPassword  bool      `json:"hasPassword"`
	CreatedAt    time.Time `json:"createdAt"`
}

// UserCreate creates a user; Password is optional.
type UserCreate struct {
	Login     string   `json:"login"`
	Email     string   `json:"email"`
	FirstName string   `json:"firstName,omitempty"`
	LastName  string   `json:"lastName,omitempty"`
	Roles     []string `json:"roles,omitempty"`
	Password  string   `json:"password,omitempty"`
}

// UserUpdate changes the fields that are set.
type UserUpdate struct {
	Email     *string   `json:"email,omitempty"`
	FirstName *string   `json:"firstName,omitempty"`
	LastName  *string   `json:"lastName,omitempty"`
	Roles     *[]string `json:"roles,omitempty"`
}

// UserFilter narrows a user list: Search matches login, email and names.
type UserFilter struct {
	Search, Status string
}

// Caller is who a token belongs to: a user (Login set) or a service
// account (Name and Permissions set).
type Caller struct {
	User
	Name        string   `json:"name,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
}

// Users calls /account/users.
type Users struct{ c *Client }

// Users returns the user calls.
func (c *Client) Users() Users { return Users{c} }

const usersPath = "/account/users"

func userPath(id string) string { return usersPath + "/" + url.PathEscape(id) }

// Me reads the caller.
func (c *Client) Me(ctx context.Context) (*Caller, error) {
	var out Caller
	return &out, c.Do(ctx, "GET", "/account/me", nil, nil, &out)
}

// List lists the users matching f.
func (s Users) List(ctx context.Context, f UserFilter) ([]User, error) {
	var out []User
	return out, s.c.Do(ctx, "GET", usersPath, query("search", f.Search, "status", f.Status), nil, &out)
}

// Get reads one user.
func (s Users) Get(ctx context.Context, id string) (*User, error) {
	var out User
	return &out, s.c.Do(ctx, "GET", userPath(id), nil, nil, &out)
}

// Create creates a user.
func (s Users) Create(ctx context.Context, in UserCreate) (*User, error) {
	var out User
	return &out, s.c.Do(ctx, "POST", usersPath, nil, in, &out)
}

// Update changes a user's details and roles.
func (s Users) Update(ctx context.Context, id string, in UserUpdate) (*User, error) {
	var out User
	return &out, s.c.Do(ctx, "PATCH", userPath(id), nil, in, &out)
}

// Delete deletes a user.
func (s Users) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", userPath(id), nil, nil, nil)
}

// Activate lets a user sign in again.
func (s Users) Activate(ctx context.Context, id string) (*User, error) {
	var out User
	return &out, s.c.Do(ctx, "POST", userPath(id)+"/activate", nil, nil, &out)
}

// Deactivate stops a user signing in and revokes their sessions.
func (s Users) Deactivate(ctx context.Context, id string) (*User, error) {
	var out User
	return &out, s.c.Do(ctx, "POST", userPath(id)+"/deactivate", nil, nil, &out)
}

// SetPassword sets a user's password (an administrator's reset).
func (s Users) SetPassword(ctx context.Context, id, password string) error {
	return s.c.Do(ctx, "PUT", userPath(id)+"/password", nil, map[string]string{"password": password}, nil)
}

// Export writes the users matching search as CSV to w.
func (s Users) Export(ctx context.Context, search string, w io.Writer) error {
	resp, err := s.c.Raw(ctx, "GET", usersPath+"/export", query("search", search), "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

// Role is a named set of account permissions.
type Role struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	Permissions  []string `json:"permissions"`
	Predefined   bool     `json:"predefined"`
	Users        []string `json:"users"`
	ConsumesSeat bool     `json:"consumesSeat"`
}

// RoleInput creates a role or changes the fields that are set.
type RoleInput struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Permissions *[]string `json:"permissions,omitempty"`
}

// Roles calls /account/roles.
type Roles struct{ c *Client }

// Roles returns the role calls.
func (c *Client) Roles() Roles { return Roles{c} }

const rolesPath = "/account/roles"

// Permissions lists every account permission a role can hold.
func (s Roles) Permissions(ctx context.Context) ([]string, error) {
	var out []string
	return out, s.c.Do(ctx, "GET", "/account/permissions", nil, nil, &out)
}

// List lists the roles.
func (s Roles) List(ctx context.Context) ([]Role, error) {
	var out []Role
	return out, s.c.Do(ctx, "GET", rolesPath, nil, nil, &out)
}

// Get reads one role.
func (s Roles) Get(ctx context.Context, id string) (*Role, error) {
	var out Role
	return &out, s.c.Do(ctx, "GET", rolesPath+"/"+url.PathEscape(id), nil, nil, &out)
}

// Create creates a role.
func (s Roles) Create(ctx context.Context, in RoleInput) (*Role, error) {
	var out Role
	return &out, s.c.Do(ctx, "POST", rolesPath, nil, in, &out)
}

// Update changes a role.
func (s Roles) Update(ctx context.Context, id string, in RoleInput) (*Role, error) {
	var out Role
	return &out, s.c.Do(ctx, "PUT", rolesPath+"/"+url.PathEscape(id), nil, in, &out)
}

// Delete deletes a role.
func (s Roles) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", rolesPath+"/"+url.PathEscape(id), nil, nil, nil)
}

// Group is a named set of users.
type Group struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Members     []string  `json:"members"`
	CreatedAt   time.Time `json:"createdAt"`
}

// GroupInput creates a group or changes the fields that are set.
type GroupInput struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Members     *[]string `json:"members,omitempty"`
}

// Groups calls /account/groups.
type Groups struct{ c *Client }

// Groups returns the group calls.
func (c *Client) Groups() Groups { return Groups{c} }

const groupsPath = "/account/groups"

// List lists the groups.
func (s Groups) List(ctx context.Context) ([]Group, error) {
	var out []Group
	return out, s.c.Do(ctx, "GET", groupsPath, nil, nil, &out)
}

// Get reads one group.
func (s Groups) Get(ctx context.Context, id string) (*Group, error) {
	var out Group
	return &out, s.c.Do(ctx, "GET", groupsPath+"/"+url.PathEscape(id), nil, nil, &out)
}

// Create creates a group.
func (s Groups) Create(ctx context.Context, in GroupInput) (*Group, error) {
	var out Group
	return &out, s.c.Do(ctx, "POST", groupsPath, nil, in, &out)
}

// Update changes a group.
func (s Groups) Update(ctx context.Context, id string, in GroupInput) (*Group, error) {
	var out Group
	return &out, s.c.Do(ctx, "PUT", groupsPath+"/"+url.PathEscape(id), nil, in, &out)
}

// Delete deletes a group.
func (s Groups) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", groupsPath+"/"+url.PathEscape(id), nil, nil, nil)
}
