//! API keys: `pk_<prefix>_<secret>`. The prefix identifies a key in lists and logs; the secret
//! is shown once and stored as SHA-256 (a random 32-byte secret needs no slow hash). Every
//! process keeps the keys in memory and reloads them when the change feed says one changed, so a
//! revocation takes effect everywhere within the feed's delay.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use chrono::{DateTime, Utc};
use rand::{RngCore, rngs::OsRng};
use sqlx::PgPool;
use subtle::ConstantTimeEq;

use super::{KeyPrincipal, Scope, Token, digest, random_token};
use crate::sync::{read, write};

/// A key as cached.
#[derive(Clone, Debug)]
pub struct KeyRecord {
    pub principal: KeyPrincipal,
    pub name: String,
    secret_hash: Vec<u8>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// Every key, by prefix.
#[derive(Debug, Default)]
pub struct KeyCache {
    by_prefix: RwLock<HashMap<String, Arc<KeyRecord>>>,
}

/// Why a bearer token was refused (the message never includes the token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefusal {
    Unknown,
    Revoked,
    Expired,
}

impl KeyCache {
    /// Reloads every key from the database.
    pub async fn reload(&self, pool: &PgPool) -> Result<usize, sqlx::Error> {
        let rows = sqlx::query!(
            r#"select id, name, prefix, secret_hash, scopes, leaderboards, leagues, expires_at,
                      revoked_at
               from api_key"#
        )
        .fetch_all(pool)
        .await?;
        let mut map = HashMap::with_capacity(rows.len());
        for r in rows {
            let principal = KeyPrincipal {
                id: r.id,
                prefix: r.prefix.clone(),
                scopes: r.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
                leaderboards: r.leaderboards,
                leagues: r.leagues,
            };
            map.insert(
                r.prefix,
                Arc::new(KeyRecord {
                    principal,
                    name: r.name,
                    secret_hash: r.secret_hash,
                    expires_at: r.expires_at,
                    revoked: r.revoked_at.is_some(),
                }),
            );
        }
        let n = map.len();
        *write(&self.by_prefix) = map;
        Ok(n)
    }

    /// The key a bearer token names, if the token is right and the key alive.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<KeyPrincipal, KeyRefusal> {
        let (prefix, _) = parse(token).ok_or(KeyRefusal::Unknown)?;
        let record = read(&self.by_prefix)
            .get(prefix)
            .cloned()
            .ok_or(KeyRefusal::Unknown)?;
        if !bool::from(digest(token).ct_eq(&record.secret_hash)) {
            return Err(KeyRefusal::Unknown);
        }
        if record.revoked {
            return Err(KeyRefusal::Revoked);
        }
        if record.expires_at.is_some_and(|e| e <= now) {
            return Err(KeyRefusal::Expired);
        }
        Ok(record.principal.clone())
    }
}

/// Splits `pk_<prefix>_<secret>`.
fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("pk_")?;
    let (prefix, secret) = rest.split_once('_')?;
    (prefix.len() == 8 && !secret.is_empty()).then_some((prefix, secret))
}

/// A new key: (prefix, full token shown once).
pub fn generate() -> (String, Token) {
    let mut raw = [0u8; 4];
    OsRng.fill_bytes(&mut raw);
    let prefix = hex::encode(raw);
    let secret = random_token();
    let token = Token(format!("pk_{prefix}_{}", secret.0));
    (prefix, token)
}

/// A key to create.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub leaderboards: Option<Vec<String>>,
    pub leagues: Option<Vec<String>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: String,
}

/// Stores a new key inside `tx`; returns its id, prefix and the token (to show once).
pub async fn create(
    tx: &mut sqlx::PgConnection,
    new: &NewKey,
) -> Result<(i64, String, Token), sqlx::Error> {
    let (prefix, token) = generate();
    let scopes: Vec<String> = new.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let id = sqlx::query_scalar!(
        r#"insert into api_key (name, prefix, secret_hash, scopes, leaderboards, leagues, expires_at, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"#,
        new.name,
        prefix,
        digest(&token.0),
        &scopes,
        new.leaderboards.as_deref(),
        new.leagues.as_deref(),
        new.expires_at,
        new.created_by
    )
    .fetch_one(tx)
    .await?;
    Ok((id, prefix, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_parses_back_to_its_prefix() {
        let (prefix, token) = generate();
        assert_eq!(prefix.len(), 8);
        let (p, secret) = parse(&token.0).expect("parses");
        assert_eq!(p, prefix);
        assert!(secret.len() >= 40);
        assert!(parse("pk_short_x").is_none());
        assert!(parse("not-a-key").is_none());
    }
}
