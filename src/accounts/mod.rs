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

/// A password chosen at sign-up or on the password page. Long passphrases are welcome; the upper
/// bound only stops someone from making the server hash megabytes. Refused, as NIST SP 800-63B asks:
/// passwords that are too short, only whitespace, the account's own email (or its name part), one
/// character repeated or a keyboard run, and the commonest passwords people choose.
#[derive(Clone)]
pub struct NewPassword(String);

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Frequently chosen passwords of ten or more characters (from public lists of leaked passwords),
/// compared without case, spaces or trailing digits and punctuation.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "passwords",
    "qwertyuiop",
    "qwertyuiopasdfghjkl",
    "asdfghjkl",
    "1234567890",
    "0987654321",
    "iloveyou",
    "princess",
    "sunshine",
    "football",
    "baseball",
    "welcome",
    "letmein",
    "trustno",
    "superman",
    "starwars",
    "whatever",
    "computer",
    "michelle",
    "jennifer",
    "internet",
    "changeme",
    "administrator",
    "qwerty",
    "abcdefghij",
    "abcdefg",
    "passwordpassword",
    "monkey",
    "dragon",
    "master",
    "shadow",
    "mustang",
    "liverpool",
    "chocolate",
    "butterfly",
    "blink",
    "myspace",
    "loveyou",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "zaq12wsx",
    "qazwsxedc",
    "qwer1234",
    "aa123456",
    "password1",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "mockexam",
    "awsexam",
    "amazonwebservices",
    "machinelearning",
    "certification",
    "aws",
];

fn keyboard_run(s: &str) -> bool {
    const RUNS: [&str; 4] = ["abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "01234567890", "09876543210"];
    s.len() >= 4 && RUNS.iter().any(|run| run.contains(s) || run.chars().rev().collect::<String>().contains(s))
}

impl NewPassword {
    /// Checks a new password for the account with `email`.
    pub fn parse(raw: &str, email: &str) -> Result<Self, String> {
        if raw.chars().count() < MIN_PASSWORD_CHARS {
            return Err(format!("Choose a password of at least {MIN_PASSWORD_CHARS} characters."));
        }
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(format!("Choose a password of at most {MAX_PASSWORD_BYTES} bytes."));
        }
        if raw.trim().is_empty() {
            return Err("Choose a password that is not only spaces.".into());
        }
        let folded: String = raw.to_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
        let email = email.trim().to_lowercase();
        let name = email.split('@').next().unwrap_or_default();
        if folded == email.replace(' ', "")
            || (name.len() >= 4 && folded.trim_end_matches(|c: char| !c.is_alphabetic()) == name)
        {
            return Err("Choose a password that is not your email address.".into());
        }
        let first = folded.chars().next().unwrap_or_default();
        let stem = folded.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
        if folded.chars().all(|c| c == first) || keyboard_run(&folded) || COMMON_PASSWORDS.contains(&stem) {
            return Err(
                "This password is too easy to guess: it is among the most common ones. Try a few unrelated words."
                    .into(),
            );
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
pub enum AccountError {
    /// Told openly at sign-up: without an email round trip there is no way to hide it, and the sign-up
    /// throttle limits how fast anyone can probe.
    #[error("An account with this email already exists. Sign in instead.")]
    DuplicateEmail,
    #[error("The current password is not right.")]
    WrongPassword,
    /// Too many passwords are being hashed right now (503 with `Retry-After`).
    #[error("busy")]
    Busy,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<password::PasswordError> for AccountError {
    fn from(e: password::PasswordError) -> Self {
        match e {
            password::PasswordError::Busy => AccountError::Busy,
            password::PasswordError::Other(e) => AccountError::Other(e),
        }
    }
}

pub async fn create(pool: &PgPool, email: &Email, password: &NewPassword, role: Role) -> Result<User, AccountError> {
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
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AccountError::DuplicateEmail);
    }
    Ok(User { id, email: email.as_str().to_string(), role })
}

/// Checks email and password. `None` for a wrong password or an unknown email alike (and in about
/// the same time, so the response does not reveal which emails have accounts).
pub async fn authenticate(pool: &PgPool, email: &str, password: &str) -> Result<Option<User>, AccountError> {
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

/// A new sign-in of `user_id`; the session keeps the returned login id.
pub async fn open_login(pool: &PgPool, user_id: Uuid) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query!("insert into logins (id, user_id) values ($1, $2)", id, user_id).execute(pool).await?;
    Ok(id)
}

/// The user signed in by login `id`, unless that login was revoked (signed out) or the user is gone.
pub async fn find_by_login(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<User>> {
    let row = sqlx::query!(
        "select u.id, u.email, u.role from logins l join users u on u.id = l.user_id
         where l.id = $1 and l.revoked_at is null",
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| User { id: r.id, email: r.email, role: Role::parse(&r.role).unwrap_or(Role::Student) }))
}

/// Signs one login out, on the server: its session is worthless from now on.
pub async fn revoke_login(pool: &PgPool, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!("update logins set revoked_at = now() where id = $1 and revoked_at is null", id).execute(pool).await?;
    Ok(())
}

/// Signs a user out everywhere except login `keep` (if any); returns how many sessions ended.
pub async fn revoke_other_logins(pool: &PgPool, user_id: Uuid, keep: Option<Uuid>) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "update logins set revoked_at = now()
         where user_id = $1 and revoked_at is null and ($2::uuid is null or id <> $2)",
        user_id,
        keep
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Changes a password after checking the current one, and signs out every other session.
pub async fn change_password(
    pool: &PgPool,
    user: &User,
    current: &str,
    new: &NewPassword,
    keep: Uuid,
) -> Result<u64, AccountError> {
    if authenticate(pool, &user.email, current).await?.is_none() {
        return Err(AccountError::WrongPassword);
    }
    let hash = password::hash(new.clone()).await?;
    sqlx::query!("update users set password_hash = $2 where id = $1", user.id, hash).execute(pool).await?;
    Ok(revoke_other_logins(pool, user.id, Some(keep)).await?)
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
        let parse = |p: &str| NewPassword::parse(p, "ada@example.com");
        assert!(parse("short").is_err());
        assert!(parse("long enough pass").is_ok());
        assert!(parse(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
        assert_eq!(format!("{:?}", parse("secret secret").unwrap()), "NewPassword(…)");
    }

    #[test]
    fn guessable_passwords_are_refused() {
        let parse = |p: &str| NewPassword::parse(p, "ada.lovelace@example.com");
        for bad in [
            "            ",
            "ada.lovelace@example.com",
            "Ada.Lovelace2024",
            "aaaaaaaaaaaa",
            "1234567890",
            "qwertyuiop",
            "Password123!",
            "iloveyou2026",
            "P@ssw0rd2024",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
        for good in ["correct horse battery", "tide pools at dusk", "lovelace engine notes"] {
            assert!(parse(good).is_ok(), "{good:?} should be accepted");
        }
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Student, Role::Instructor] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
