//! Who may do what. Four roles, from the Plan's division of work (Decision 2104, parts
//! V.5–V.7): the education department's administrators and province officials, district
//! staff for the institutions in their area, and each institution for itself.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr};

use crate::model::{Institution, InstitutionId, Scheme, Vocabulary};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    /// Manages accounts and roles; everything a province official may do.
    Admin,
    /// Edits any institution, reviews reports, revokes any credential, reads the audit log.
    Province,
    /// Edits the institutions in its areas.
    District,
    /// Edits its own institutions, reports their figures, uploads and revokes their
    /// credentials.
    Institution,
}

impl Vocabulary for Role {
    const ALLOWED: &'static str = "admin province district institution";
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        self.into()
    }
}

/// An administrative unit of either coding, as a district account's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AreaRef {
    pub scheme: Scheme,
    pub code: String,
}

impl AreaRef {
    /// Whether the institution lies in this unit by the codes it carries (a province's
    /// code has 2 digits, a district's 3, a commune's 5).
    pub fn contains(&self, i: &Institution) -> bool {
        let a = &i.admin;
        let code = match (self.scheme, self.code.len()) {
            (Scheme::Pre2025, 2) => a.province_pre2025.as_deref(),
            (Scheme::Pre2025, 3) => a.district_pre2025.as_deref(),
            (Scheme::Pre2025, 5) => a.commune_pre2025.as_deref(),
            (Scheme::Y2025, 2) => a.province_2025.as_deref(),
            (Scheme::Y2025, 5) => a.commune_2025.as_deref(),
            _ => None,
        };
        code == Some(self.code.as_str())
    }
}

/// A signed-in official, as every permission check sees them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// For `district` accounts: the areas they edit.
    pub areas: Vec<AreaRef>,
    /// For `institution` accounts: the institutions they edit.
    pub institutions: Vec<InstitutionId>,
}

impl Account {
    fn is_province_or_admin(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Province)
    }

    pub fn may_manage_accounts(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn may_read_audit_log(&self) -> bool {
        self.is_province_or_admin()
    }

    pub fn may_review_reports(&self) -> bool {
        self.is_province_or_admin()
    }

    /// Report (and review another official's report of) the figures that belong to the
    /// province rather than to an institution: the department's own work.
    pub fn may_report_province_figures(&self) -> bool {
        self.is_province_or_admin()
    }

    /// Create institutions at all (a district only inside its areas: see [`Self::may_edit`],
    /// checked on the new record).
    pub fn may_create_institutions(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Province | Role::District)
    }

    /// Edit (and retire) this institution, as it is now.
    pub fn may_edit(&self, i: &Institution) -> bool {
        match self.role {
            Role::Admin | Role::Province => true,
            Role::District => self.areas.iter().any(|a| a.contains(i)),
            Role::Institution => self.institutions.contains(&i.id),
        }
    }

    /// Report the Plan's figures for this institution.
    pub fn may_report_for(&self, id: &InstitutionId) -> bool {
        match self.role {
            Role::Admin | Role::Province => true,
            Role::District => false,
            Role::Institution => self.institutions.contains(id),
        }
    }

    /// Upload and revoke this institution's credentials.
    pub fn may_manage_credentials_of(&self, id: &InstitutionId) -> bool {
        self.may_report_for(id)
    }

    /// Un-revoke a credential (undo a mistaken revocation): the province's call alone.
    pub fn may_reinstate_credentials(&self) -> bool {
        self.is_province_or_admin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Record;

    fn institution(id: &str, district: &str, commune_2025: &str) -> Institution {
        let v = serde_json::json!({
            "id": id, "name_vi": "Trường X", "kind": "college", "ownership": "public",
            "lon": 106.3, "lat": 9.9, "position_accuracy": "town",
            "district_pre2025": district, "commune_2025": commune_2025,
            "source": "test", "updated_at": "2026-01-01T00:00:00Z"
        });
        let serde_json::Value::Object(m) = v else {
            unreachable!()
        };
        Institution::from_record(&Record::new(m)).unwrap()
    }

    fn account(role: Role) -> Account {
        Account {
            id: 1,
            login: "x".into(),
            display_name: "X".into(),
            role,
            areas: vec![AreaRef {
                scheme: Scheme::Pre2025,
                code: "846".into(),
            }],
            institutions: vec![InstitutionId::parse("mine").unwrap()],
        }
    }

    #[test]
    fn each_role_edits_what_its_scope_covers() {
        let in_district = institution("other", "846", "29254");
        let elsewhere = institution("far", "842", "29000");
        let mine = institution("mine", "842", "29000");
        assert!(account(Role::Province).may_edit(&elsewhere));
        assert!(account(Role::District).may_edit(&in_district));
        assert!(!account(Role::District).may_edit(&elsewhere));
        assert!(account(Role::Institution).may_edit(&mine));
        assert!(!account(Role::Institution).may_edit(&in_district));
        assert!(!account(Role::Institution).may_create_institutions());
        assert!(account(Role::Admin).may_manage_accounts());
        assert!(!account(Role::Province).may_manage_accounts());
        assert!(!account(Role::District).may_read_audit_log());
        assert!(account(Role::Province).may_report_province_figures());
        assert!(!account(Role::District).may_report_province_figures());
        assert!(!account(Role::Institution).may_report_province_figures());
    }

    #[test]
    fn an_area_of_the_2025_coding_matches_the_2025_commune() {
        let area = AreaRef {
            scheme: Scheme::Y2025,
            code: "29254".into(),
        };
        assert!(area.contains(&institution("ab", "842", "29254")));
        assert!(!area.contains(&institution("ab", "842", "29000")));
    }
}
