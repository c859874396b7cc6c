//! Accounts: who people are (email + password), what they may do (role), and the rules for both.
//!
//! Domain values are parsed once at the edge ("parse, don't validate"): an `Email` is always trimmed,
//! lowercase and plausible; a `NewPassword` always meets the length rules.

pub mod password;
pub mod routes;
pub mod throttle;

use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Student,
    Instructor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Instructor => "instructor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "student" => Some(Role::Student),
            "instructor" => Some(Role::Instructor),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        let Some((local, domain)) = email.split_once('@') else {
            return Err("Enter an email address like name@example.com.".into());
        };
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok { Ok(Email(email)) } else { Err("Enter an email address like name@example.com.".into()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password chosen at sign-up. Long passphrases are welcome; the upper bound only stops someone
/// from making the server hash megabytes.
#[derive(Clone)]
pub struct NewPassword(String);

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_BYTES: usize = 1024;

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.chars().count() < MIN_PASSWORD_CHARS {
            return Err(format!("Choose a password of at least {MIN_PASSWORD_CHARS} characters."));
        }
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(format!("Choose a password of at most {MAX_PASSWORD_BYTES} bytes."));
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("An account with this email already exists. Sign in instead.")]
    DuplicateEmail,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub async fn create(pool: &PgPool, email: &Email, password: &NewPassword, role: Role) -> Result<User, CreateError> {
    let hash = password::hash(password.clone()).await?;
    let id = Uuid::new_v4();
    let inserted = sqlx::query!(
        "insert into users (id, email, password_hash, role) values ($1, $2, $3, $4) on conflict (email) do nothing",
        id,
        email.as_str(),
        hash,
        role.as_str()
    )
    .execute(pool)
    .await
    .map_err(anyhow::Error::from)?;
    if inserted.rows_affected() == 0 {
        return Err(CreateError::DuplicateEmail);
    }
    Ok(User { id, email: email.as_str().to_string(), role })
}

pub async fn find_by_id(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<User>> {
    let row = sqlx::query!("select id, email, role from users where id = $1", id).fetch_optional(pool).await?;
    Ok(row.map(|r| User { id: r.id, email: r.email, role: Role::parse(&r.role).unwrap_or(Role::Student) }))
}

/// Checks email and password. `None` for a wrong password or an unknown email alike (and in about
/// the same time, so the response does not reveal which emails have accounts).
pub async fn authenticate(pool: &PgPool, email: &str, password: &str) -> anyhow::Result<Option<User>> {
    let email = email.trim().to_lowercase();
    let row = sqlx::query!("select id, email, role, password_hash from users where email = $1", email)
        .fetch_optional(pool)
        .await?;
    let stored = row.as_ref().map(|r| r.password_hash.clone());
    let ok = password::verify(password.to_string(), stored).await?;
    Ok(match (ok, row) {
        (true, Some(r)) => Some(User { id: r.id, email: r.email, role: Role::parse(&r.role).unwrap_or(Role::Student) }),
        _ => None,
    })
}

/// Sets a user's role; false when no such account exists.
pub async fn grant(pool: &PgPool, email: &Email, role: Role) -> sqlx::Result<bool> {
    let done = sqlx::query!("update users set role = $2 where email = $1", email.as_str(), role.as_str())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "ada@example.com."] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_have_a_minimum_and_a_maximum() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("long enough pass").is_ok());
        assert!(NewPassword::parse(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
        assert_eq!(format!("{:?}", NewPassword::parse("secret secret").unwrap()), "NewPassword(…)");
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Student, Role::Instructor] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
