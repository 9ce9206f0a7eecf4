package state

// Permission IDs, verbatim from Talend Management Console's roles.
const (
	PermUserManagement           = "TMC_USER_MANAGEMENT"
	PermRoleManagement           = "TMC_ROLE_MANAGEMENT"
	PermGroupManagement          = "TMC_GROUP_MANAGEMENT"
	PermSubscriptionManagement   = "TMC_SUBSCRIPTION_MANAGEMENT"
	PermPasswordPolicy           = "TMC_POLICY_PASSWORD"
	PermSSOManagement            = "TMC_SSO_MANAGEMENT"
	PermServiceAccountManagement = "TMC_SERVICE_ACCOUNT_MANAGEMENT"
	PermAuditLogsView            = "AUDIT_LOGS_VIEW"
	PermProjectManagement        = "TMC_PROJECT_MANAGEMENT"
	PermArtifactRepoConfig       = "TMC_CONFIGURATION_NEXUS_USERLIBS"
	PermPromotionManagement      = "TMC_PIPELINE_MANAGEMENT"
	PermEnvironmentManagement    = "TMC_ENVIRONMENT_MANAGEMENT"
	PermPromotionExecution       = "TMC_PROMOTION_EXECUTION"
	PermEngineManagement         = "TMC_CLUSTER_MANAGEMENT"
	PermStaticIPManagement       = "TMC_STATIC_IP_MANAGEMENT"
	PermExportLogsManagement     = "TMC_EXPORT_LOGS_MANAGEMENT"
	PermCloudConfigManagement    = "TMC_CLOUD_CONFIGURATION_MANAGEMENT"
	PermRunProfileManagement     = "TMC_RUN_PROFILE_MANAGEMENT"
	PermOperator                 = "TMC_OPERATOR"
	PermStudioDeveloper          = "STUDIO_ENTITLEMENT_STUDIO_DEVELOPER"
	PermEngineUse                = "TMC_ENGINE_USE"

	// PermControlPlaneManagement is ours (Talend runs its control plane
	// itself): add and remove control-plane nodes. Part of the
	// Infrastructure Administrator role.
	PermControlPlaneManagement = "RH_CONTROL_PLANE_MANAGEMENT"
)

// Role is a named set of permissions, assigned to users (never groups).
type Role struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
	Predefined  bool     `json:"predefined"`
}

// Predefined role IDs (stable, so scripts can name them).
const (
	RoleSecurityAdministrator       = "security-administrator"
	RoleProjectAdministrator        = "project-administrator"
	RoleEnvironmentAdministrator    = "environment-administrator"
	RoleInfrastructureAdministrator = "infrastructure-administrator"
	RoleOperator                    = "operator"
	RoleIntegrationDeveloper        = "integration-developer"
)

// PredefinedRoles are created with the account. Their permissions may be
// edited later; the Security Administrator role cannot be deleted.
func PredefinedRoles() []Role {
	return []Role{
		{ID: RoleSecurityAdministrator, Name: "Security Administrator", Predefined: true, Permissions: []string{
			PermUserManagement, PermRoleManagement, PermGroupManagement, PermSubscriptionManagement,
			PermPasswordPolicy, PermSSOManagement, PermServiceAccountManagement, PermAuditLogsView}},
		{ID: RoleProjectAdministrator, Name: "Project Administrator", Predefined: true, Permissions: []string{
			PermProjectManagement, PermArtifactRepoConfig}},
		{ID: RoleEnvironmentAdministrator, Name: "Environment Administrator", Predefined: true, Permissions: []string{
			PermPromotionManagement, PermEnvironmentManagement, PermPromotionExecution}},
		{ID: RoleInfrastructureAdministrator, Name: "Infrastructure Administrator", Predefined: true, Permissions: []string{
			PermEngineManagement, PermStaticIPManagement, PermExportLogsManagement, PermCloudConfigManagement,
			PermRunProfileManagement, PermControlPlaneManagement}},
		{ID: RoleOperator, Name: "Operator", Predefined: true, Permissions: []string{
			PermOperator, PermRunProfileManagement}},
		{ID: RoleIntegrationDeveloper, Name: "Integration Developer", Predefined: true, Permissions: []string{
			PermStudioDeveloper}},
	}
}

const tableRoles = "roles"

// RoleByID reads a role.
func RoleByID(txn Reader, id string) *Role { return first[Role](txn, tableRoles, "id", id) }

// Roles lists all roles in ID order.
func Roles(txn Reader) []*Role { return all[Role](txn, tableRoles, "id") }

// PermissionsOf returns the union of the permissions of the given roles.
func PermissionsOf(txn Reader, roleIDs []string) map[string]bool {
	perms := map[string]bool{}
	for _, id := range roleIDs {
		if r := RoleByID(txn, id); r != nil {
			for _, p := range r.Permissions {
				perms[p] = true
			}
		}
	}
	return perms
}
