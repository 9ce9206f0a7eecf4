package state

import (
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// User statuses.
const (
	UserActive      = "ACTIVE"
	UserDeactivated = "DEACTIVATED"
)

// User is a human account. Roles grant account-wide permissions; rights
// inside workspaces come only from workspace permissions.
type User struct {
	ID        string    `json:"id"`
	Login     string    `json:"login"`
	Email     string    `json:"email"`
	FirstName string    `json:"firstName,omitempty"`
	LastName  string    `json:"lastName,omitempty"`
	Roles     []string  `json:"roles"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

const tableUsers = "users"

func userSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableUsers, func() any { return new(User) }, idIndex(),
				stringIndexLower("login", "Login", true)),
		},
	}
}

// UserByID reads a user.
func UserByID(txn Reader, id string) *User { return first[User](txn, tableUsers, "id", id) }

// UserByLogin reads a user by login name (case-insensitive).
func UserByLogin(txn Reader, login string) *User {
	return first[User](txn, tableUsers, "login", strings.ToLower(login))
}

// Users lists all users in ID order.
func Users(txn Reader) []*User { return all[User](txn, tableUsers, "id") }
