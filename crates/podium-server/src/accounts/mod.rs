//! Who is calling: people with server-side sessions (cookie) and machines with API keys
//! (bearer). Passwords are hashed with Argon2id (OWASP parameters); session ids and key secrets
//! are random and stored only as SHA-256. `policy` decides what each caller may do.

pub mod housekeeping;
pub mod keys;
pub mod policy;
pub mod service;
pub mod session;
pub mod signin;
pub mod throttle;

use std::fmt;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::SaltString,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{RngCore, rngs::OsRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// A person's role; each includes the ones below it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "viewer" => Role::Viewer,
            "editor" => Role::Editor,
            "admin" => Role::Admin,
            "owner" => Role::Owner,
            _ => return None,
        })
    }
}

/// What an API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    #[serde(rename = "read")]
    Read,
    #[serde(rename = "scores:write")]
    ScoresWrite,
    #[serde(rename = "matches:write")]
    MatchesWrite,
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::ScoresWrite => "scores:write",
            Scope::MatchesWrite => "matches:write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Some(match s {
            "read" => Scope::Read,
            "scores:write" => Scope::ScoresWrite,
            "matches:write" => Scope::MatchesWrite,
            "admin" => Scope::Admin,
            _ => return None,
        })
    }
}

/// A signed-in person.
#[derive(Clone, Debug)]
pub struct UserPrincipal {
    pub id: i64,
    pub email: String,
    pub role: Role,
}

/// A caller holding an API key.
#[derive(Clone, Debug)]
pub struct KeyPrincipal {
    pub id: i64,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub leaderboards: Option<Vec<String>>,
    pub leagues: Option<Vec<String>>,
}

impl KeyPrincipal {
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }
}

/// Who made a request.
#[derive(Clone, Debug)]
pub enum Principal {
    Anonymous,
    User(UserPrincipal),
    Key(KeyPrincipal),
}

impl Principal {
    /// How the caller appears in the audit log.
    pub fn actor(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".to_owned(),
            Principal::User(u) => format!("user:{}", u.email),
            Principal::Key(k) => format!("key:pk_{}", k.prefix),
        }
    }
}

/// A secret that must never be printed (a session id or a key secret in clear).
#[derive(Clone, PartialEq, Eq)]
pub struct Token(pub String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(********)")
    }
}

/// A random token of 32 bytes, base64url.
pub fn random_token() -> Token {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    Token(URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of a token, as stored.
pub fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Argon2id with OWASP's recommended minimum: 19 MiB memory, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters"),
    )
}

/// Hashes a password (PHC string format).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks a password against a stored hash. With no stored hash (an unknown account) it checks
/// against a fixed dummy hash, so both cases take the same time.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default());
    let hash = stored.unwrap_or(dummy);
    let ok = PasswordHash::new(hash)
        .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false);
    ok && stored.is_some()
}

/// Checks a new password: 12 to 1024 characters.
pub fn check_password_strength(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < 12 {
        return Err(format!("must be at least 12 characters (got {n})"));
    }
    if n > 1024 {
        return Err("must be at most 1024 characters".into());
    }
    Ok(())
}

/// Normalises and checks an email address (lower case, one `@`, no spaces).
pub fn normalize_email(email: &str) -> Result<String, String> {
    let e = email.trim().to_lowercase();
    let valid = e.len() >= 3
        && e.len() <= 254
        && e.matches('@').count() == 1
        && !e.starts_with('@')
        && !e.ends_with('@')
        && !e.chars().any(char::is_whitespace);
    if valid {
        Ok(e)
    } else {
        Err(format!("'{}' is not an email address", email.trim()))
    }
}

/// Each API key's write rate, per process: a leaked key cannot flood a deployment, with or
/// without Nginx in front. GCRA (governor): `rate` changes a second on average, bursts of
/// `burst`. Keyed by key id; the map holds one small cell per key that wrote.
pub struct WriteLimiter(governor::DefaultKeyedRateLimiter<i64>);

impl WriteLimiter {
    /// None when `rate` is 0 (no limit).
    pub fn new(rate: u32, burst: u32) -> Option<Self> {
        let rate = std::num::NonZeroU32::new(rate)?;
        let burst = std::num::NonZeroU32::new(burst).unwrap_or(rate);
        Some(Self(governor::RateLimiter::keyed(
            governor::Quota::per_second(rate).allow_burst(burst),
        )))
    }

    /// Counts one change by `key`: Ok, or the whole seconds to wait before the next is allowed.
    pub fn check(&self, key: i64) -> Result<(), u64> {
        use governor::clock::Clock;
        self.0.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

impl fmt::Debug for WriteLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WriteLimiter")
    }
}

/// Everything the process needs to recognise callers.
#[derive(Debug)]
pub struct Auth {
    pub keys: keys::KeyCache,
    /// Per-key write rate limit; None when turned off.
    pub writes: Option<WriteLimiter>,
    pub lifetimes: session::Lifetimes,
    pub cookie_secure: bool,
    /// The legacy static token (`PODIUM_API_TOKEN`), treated as an `admin` key.
    static_token: Option<crate::config::Secret>,
    /// Keys used since the last flush of `last_used_at`.
    used: std::sync::Mutex<std::collections::HashMap<i64, chrono::DateTime<chrono::Utc>>>,
    /// When an unknown key last made us reload the cache (at most once a second, so random
    /// tokens cannot make every request hit the database).
    last_miss_reload: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Auth {
    pub fn new(config: &crate::config::Config) -> Self {
        Self {
            keys: keys::KeyCache::default(),
            writes: WriteLimiter::new(config.key_write_rate, config.key_write_burst),
            lifetimes: session::Lifetimes {
                idle: chrono::Duration::seconds(config.session_idle_secs as i64),
                absolute: chrono::Duration::seconds(config.session_absolute_secs as i64),
            },
            cookie_secure: config.cookie_secure,
            static_token: config.api_token.clone(),
            used: Default::default(),
            last_miss_reload: Default::default(),
        }
    }

    /// The key a bearer token stands for.
    pub fn verify_bearer(
        &self,
        token: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<KeyPrincipal, keys::KeyRefusal> {
        use subtle::ConstantTimeEq;
        if let Some(st) = &self.static_token
            && bool::from(token.as_bytes().ct_eq(st.expose().as_bytes()))
        {
            return Ok(KeyPrincipal {
                id: 0,
                prefix: "static".to_owned(),
                scopes: vec![Scope::Admin],
                leaderboards: None,
                leagues: None,
            });
        }
        self.keys.verify(token, now)
    }

    /// Like `verify_bearer`, but a key unknown to the cache (made a moment ago by another
    /// process or `podium admin create-key`, before the change feed arrived) triggers one reload.
    pub async fn verify_bearer_fresh(
        &self,
        pool: &sqlx::PgPool,
        token: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<KeyPrincipal, keys::KeyRefusal> {
        match self.verify_bearer(token, now) {
            Err(keys::KeyRefusal::Unknown) if token.starts_with("pk_") => {
                let due = {
                    let mut last = self
                        .last_miss_reload
                        .lock()
                        .unwrap_or_else(|e| e.into_inner());
                    let due = last.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(1));
                    if due {
                        *last = Some(std::time::Instant::now());
                    }
                    due
                };
                if due && self.keys.reload(pool).await.is_ok() {
                    return self.verify_bearer(token, now);
                }
                Err(keys::KeyRefusal::Unknown)
            }
            other => other,
        }
    }

    /// Notes that a key was used (written to the database by `flush_used`).
    pub fn touch(&self, id: i64, now: chrono::DateTime<chrono::Utc>) {
        if id > 0 {
            self.used
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, now);
        }
    }

    /// Writes the keys' last-used times.
    pub async fn flush_used(&self, pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
        let used = std::mem::take(&mut *self.used.lock().unwrap_or_else(|e| e.into_inner()));
        if used.is_empty() {
            return Ok(());
        }
        let (ids, times): (Vec<i64>, Vec<chrono::DateTime<chrono::Utc>>) = used.into_iter().unzip();
        sqlx::query!(
            r#"update api_key k set last_used_at = greatest(coalesce(k.last_used_at, t.at), t.at)
               from unnest($1::bigint[], $2::timestamptz[]) as t(id, at) where k.id = t.id"#,
            &ids,
            &times
        )
        .execute(pool)
        .await?;
        Ok(())
    }
}
