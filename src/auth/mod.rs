//! Officials' accounts, without HTTP: passwords ([`password`]), the secrets handed to
//! clients and what is stored for them ([`secret`]), roles and what each may do
//! ([`roles`]). Sessions, tokens and the accounts themselves live in PostGIS
//! (`store::pg::accounts`); the HTTP side (cookies, CSRF, bearer tokens) is
//! `api::edge::auth`.
//!
//! Nothing here logs a password, a token or a session id.

pub mod password;
pub mod roles;
pub mod secret;

pub use password::NewPassword;
pub use roles::{Account, AreaRef, Role};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    WeakPassword(String),
    #[error("{0}")]
    InvalidLogin(String),
    /// A field of an account that cannot be: `field` names it.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Internal(String),
}

impl AuthError {
    /// The input field the error is about.
    pub fn field(&self) -> &str {
        match self {
            AuthError::WeakPassword(_) => "password",
            AuthError::InvalidLogin(_) => "login",
            AuthError::Invalid { field, .. } => field,
            AuthError::Internal(_) => "",
        }
    }

    fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AuthError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// At most this many areas or institutions in one account's scope.
pub const MAX_SCOPE: usize = 500;

/// A display name: 1 to 200 characters, trimmed.
pub fn parse_display_name(name: &str) -> Result<String, AuthError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(AuthError::invalid(
            "display_name",
            "a display name has 1 to 200 characters",
        ));
    }
    Ok(n.to_owned())
}

/// An area of a district account's scope: a scheme and a 2-, 3- or 5-digit GSO code.
/// `field` names it in errors (`areas[2]`).
pub fn parse_area(field: &str, scheme: &str, code: &str) -> Result<AreaRef, AuthError> {
    let scheme = scheme.parse().map_err(|_| {
        AuthError::invalid(
            format!("{field}.scheme"),
            format!("{scheme:?} is not one of: pre2025 2025"),
        )
    })?;
    if !(matches!(code.len(), 2 | 3 | 5) && code.bytes().all(|b| b.is_ascii_digit())) {
        return Err(AuthError::invalid(
            format!("{field}.code"),
            format!("{code:?} is not a 2-, 3- or 5-digit GSO code"),
        ));
    }
    Ok(AreaRef {
        scheme,
        code: code.to_owned(),
    })
}

/// A role's scope must say what it covers: district accounts name areas, institution
/// accounts institutions, and the others nothing (they cover everything).
pub fn check_scope(
    role: Role,
    areas: &[AreaRef],
    institutions: &[crate::model::InstitutionId],
) -> Result<(), AuthError> {
    if areas.len() > MAX_SCOPE || institutions.len() > MAX_SCOPE {
        return Err(AuthError::invalid(
            "areas",
            format!("at most {MAX_SCOPE} areas and {MAX_SCOPE} institutions"),
        ));
    }
    match role {
        Role::District if areas.is_empty() => Err(AuthError::invalid(
            "areas",
            "a district account needs at least one area",
        )),
        Role::Institution if institutions.is_empty() => Err(AuthError::invalid(
            "institutions",
            "an institution account needs at least one institution",
        )),
        Role::Admin | Role::Province if !areas.is_empty() || !institutions.is_empty() => {
            Err(AuthError::invalid(
                "role",
                "admin and province accounts cover everything: give no areas or institutions",
            ))
        }
        _ => Ok(()),
    }
}

/// A login: 3 to 64 characters, lower-case letters, digits and `.`, `_`, `@`, `-`,
/// starting with a letter or digit (an e-mail address fits).
pub fn parse_login(login: &str) -> Result<String, AuthError> {
    let l = login.trim().to_lowercase();
    let ok = (3..=64).contains(&l.len())
        && l.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && l.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._@-".contains(&b));
    if ok {
        Ok(l)
    } else {
        Err(AuthError::InvalidLogin(
            "a login is 3 to 64 characters: letters, digits, '.', '_', '@', '-'".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_login;

    #[test]
    fn logins_are_lower_cased_and_checked() {
        assert_eq!(
            parse_login(" So.GDDT@travinh.gov.vn ").unwrap(),
            "so.gddt@travinh.gov.vn"
        );
        assert!(parse_login("ab").is_err());
        assert!(parse_login("-abc").is_err());
        assert!(parse_login("tên").is_err());
    }
}
