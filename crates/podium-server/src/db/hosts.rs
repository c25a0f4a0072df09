//! Several database hosts behind one URL, as libpq takes them
//! (`postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write`): sqlx connects to one
//! host, so Podium picks the host itself (the first, in order, that takes a connection and, with
//! `read-write`, is not a read-only standby), points the pool at it, and follows the primary
//! when a failover moves it (see `Primary::follow`).

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use sqlx::{
    ConnectOptions, Connection, PgConnection, PgPool, pool::PoolConnectionMetadata,
    postgres::PgConnectOptions,
};

/// How long one host may take to accept a connection and answer before the next is tried.
const HOST_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the primary is checked.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// What a session must be, libpq's `target_session_attrs` (the values that make sense here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionAttrs {
    /// Any host that takes the connection (libpq's default).
    Any,
    /// A host that accepts writes (`read-write`, or `primary`).
    ReadWrite,
}

/// The hosts of a database URL, in order, each as complete connect options.
#[derive(Clone, Debug)]
pub struct Hosts {
    pub hosts: Vec<PgConnectOptions>,
    pub attrs: SessionAttrs,
}

/// A URL Podium cannot use.
#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    #[error("the database URL must start with postgres:// or postgresql://")]
    Scheme,
    #[error("the database URL names an empty host in its host list")]
    EmptyHost,
    #[error(
        "target_session_attrs={0} is not supported (use read-write, primary or any; Podium writes, so it needs the primary)"
    )]
    Attrs(String),
    #[error("the database URL is not valid: {0}")]
    Invalid(#[from] sqlx::Error),
}

impl Hosts {
    /// Parses a URL with one host or a comma-separated list of `host[:port]`.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let (scheme, rest) = url.split_once("://").ok_or(UrlError::Scheme)?;
        if scheme != "postgres" && scheme != "postgresql" {
            return Err(UrlError::Scheme);
        }
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let (userinfo, host_list) = match authority.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), authority),
        };
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let mut attrs = SessionAttrs::Any;
        let mut kept = Vec::new();
        // libpq also takes the hosts (and ports) as query parameters, `host=/run/a,/run/b`.
        let mut param_hosts = None;
        let mut param_ports = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("target_session_attrs", v)) => {
                    attrs = match v {
                        "any" => SessionAttrs::Any,
                        "read-write" | "primary" => SessionAttrs::ReadWrite,
                        other => return Err(UrlError::Attrs(other.to_owned())),
                    }
                }
                Some(("host", v)) => param_hosts = Some(v),
                Some(("port", v)) => param_ports = Some(v),
                _ => kept.push(pair),
            }
        }
        let query = kept.join("&");
        let hosts = match param_hosts {
            Some(list) => list
                .split(',')
                .enumerate()
                .map(|(i, host)| {
                    let port = param_ports.map(|p| {
                        let ports: Vec<&str> = p.split(',').collect();
                        ports.get(i).unwrap_or(&ports[0]).to_string()
                    });
                    let mut q = format!("host={host}");
                    if let Some(port) = port {
                        q.push_str(&format!("&port={port}"));
                    }
                    if !query.is_empty() {
                        q.push_str(&format!("&{query}"));
                    }
                    one_host(format!("{scheme}://{userinfo}{host_list}{path}?{q}"), host)
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => {
                let mut q = param_ports.map(|p| format!("port={p}")).unwrap_or_default();
                if !query.is_empty() {
                    q = if q.is_empty() {
                        query.clone()
                    } else {
                        format!("{q}&{query}")
                    };
                }
                let q = if q.is_empty() { q } else { format!("?{q}") };
                host_list
                    .split(',')
                    .map(|host| {
                        let url = format!("{scheme}://{userinfo}{host}{path}{q}");
                        if host_list.contains(',') {
                            one_host(url, host)
                        } else {
                            Ok(url.parse()?)
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(Self { hosts, attrs })
    }

    /// A single host, any session (the embedded cluster).
    pub fn one(options: PgConnectOptions) -> Self {
        Self {
            hosts: vec![options],
            attrs: SessionAttrs::Any,
        }
    }

    /// Applies `f` to every host's options (application name, statement logging …).
    pub fn map(self, f: impl Fn(PgConnectOptions) -> PgConnectOptions) -> Self {
        Self {
            hosts: self.hosts.into_iter().map(f).collect(),
            attrs: self.attrs,
        }
    }

    /// The first host, in order, that takes a connection and suits `attrs`, with its index.
    pub async fn find(&self) -> Option<(usize, &PgConnectOptions)> {
        for (i, options) in self.hosts.iter().enumerate() {
            let suits = tokio::time::timeout(HOST_TIMEOUT, async {
                let mut conn = options.connect().await?;
                let suits = self.suits(&mut conn).await;
                let _ = conn.close().await;
                suits
            })
            .await;
            match suits {
                Ok(Ok(true)) => return Some((i, options)),
                Ok(Ok(false)) => tracing::debug!(host = %describe(options), "a read-only server"),
                Ok(Err(e)) => {
                    tracing::debug!(host = %describe(options), error = %e, "host refused")
                }
                Err(_) => tracing::debug!(host = %describe(options), "host did not answer in time"),
            }
        }
        None
    }

    /// Whether the server behind `conn` suits `attrs` (libpq asks `transaction_read_only`).
    pub async fn suits(&self, conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
        if self.attrs == SessionAttrs::Any {
            return Ok(true);
        }
        let read_only: String = sqlx::query_scalar("show transaction_read_only")
            .fetch_one(conn)
            .await?;
        Ok(read_only == "off")
    }
}

fn one_host(url: String, host: &str) -> Result<PgConnectOptions, UrlError> {
    if host.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    Ok(url.parse()?)
}

/// `host:port` of a host's options, for logs.
pub fn describe(options: &PgConnectOptions) -> String {
    match options.get_socket() {
        Some(dir) => format!("{}:{}", dir.display(), options.get_port()),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    }
}

/// The host the pool connects to, and when it last changed.
#[derive(Debug)]
pub struct Primary {
    hosts: Hosts,
    current: AtomicUsize,
    /// No suitable host answers (from the check that noticed until one is found again).
    down: AtomicBool,
    /// Milliseconds after `epoch` at which the pool last moved to another host.
    switched_at_ms: AtomicU64,
    epoch: Instant,
}

impl Primary {
    pub fn new(hosts: Hosts, current: usize) -> Arc<Self> {
        Arc::new(Self {
            hosts,
            current: AtomicUsize::new(current),
            down: AtomicBool::new(false),
            switched_at_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    pub fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    /// True while no host suits (the primary was lost and no new one is found yet): writes are
    /// refused at once (503) instead of waiting for a connection that cannot come.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// The options of the host in use.
    pub fn current(&self) -> &PgConnectOptions {
        &self.hosts.hosts[self.current.load(Ordering::Relaxed)]
    }

    /// False for a pooled connection opened before the pool last moved to another host, or
    /// before the database answered again after an outage: it may still reach the old primary
    /// (alive, but demoted) or hang on a dead socket, so the pool drops it.
    pub fn keeps(&self, meta: &PoolConnectionMetadata) -> bool {
        self.keeps_age(meta.age)
    }

    fn keeps_age(&self, age: Duration) -> bool {
        let since_switch = self.epoch.elapsed().saturating_sub(Duration::from_millis(
            self.switched_at_ms.load(Ordering::Relaxed),
        ));
        self.switched_at_ms.load(Ordering::Relaxed) == 0 || age <= since_switch
    }

    /// Checks the primary once a second on a connection of its own and, when it stops answering
    /// or turns read-only, finds the host that now suits and points the pool there. Requests
    /// meanwhile wait for a connection (up to the pool's acquire timeout) and are answered 503.
    pub async fn follow(self: Arc<Self>, pool: PgPool) {
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut watch: Option<PgConnection> = None;
        loop {
            tick.tick().await;
            if let Some(conn) = watch.as_mut() {
                let fine = tokio::time::timeout(HOST_TIMEOUT, self.hosts.suits(conn)).await;
                if matches!(fine, Ok(Ok(true))) {
                    continue;
                }
                tracing::warn!(host = %describe(self.current()), "the database primary stopped answering or turned read-only; looking for the new one");
                self.down.store(true, Ordering::Relaxed);
                watch = None;
            }
            let Some((i, options)) = self.hosts.find().await else {
                self.down.store(true, Ordering::Relaxed);
                continue;
            };
            let moved = i != self.current.swap(i, Ordering::Relaxed);
            if moved {
                pool.set_connect_options(options.clone());
                metrics::counter!(crate::metrics::DB_PRIMARY_SWITCHES).increment(1);
                tracing::warn!(host = %describe(options), "the pool now connects to the new database primary");
            }
            let was_down = self.down.swap(false, Ordering::Relaxed);
            if moved || was_down {
                // Pooled connections from before may reach the old primary, or sit on a socket
                // whose host was cut off, retransmitting: the pool drops them (`keeps`).
                let now = self.epoch.elapsed().as_millis().max(1) as u64;
                self.switched_at_ms.store(now, Ordering::Relaxed);
            }
            watch = tokio::time::timeout(HOST_TIMEOUT, options.connect())
                .await
                .ok()
                .and_then(Result::ok);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_list_becomes_one_set_of_options_per_host() {
        let h = Hosts::parse(
            "postgres://podium:pw@10.0.0.1:5433,db-b,10.0.0.3:6000/podium?target_session_attrs=read-write&sslmode=disable",
        )
        .unwrap();
        assert_eq!(h.attrs, SessionAttrs::ReadWrite);
        let names: Vec<_> = h.hosts.iter().map(describe).collect();
        assert_eq!(names, ["10.0.0.1:5433", "db-b:5432", "10.0.0.3:6000"]);
        for o in &h.hosts {
            assert_eq!(o.get_username(), "podium");
            assert_eq!(o.get_database(), Some("podium"));
        }
    }

    #[test]
    fn a_single_host_url_is_one_host_of_any_kind() {
        let h = Hosts::parse("postgresql://u@localhost/db").unwrap();
        assert_eq!(h.attrs, SessionAttrs::Any);
        assert_eq!(h.hosts.len(), 1);
        assert_eq!(describe(&h.hosts[0]), "localhost:5432");
    }

    #[test]
    fn primary_counts_as_read_write_and_other_attrs_are_refused() {
        let h = Hosts::parse("postgres://a,b/db?target_session_attrs=primary").unwrap();
        assert_eq!(h.attrs, SessionAttrs::ReadWrite);
        let e = Hosts::parse("postgres://a,b/db?target_session_attrs=standby").unwrap_err();
        assert!(e.to_string().contains("standby"), "{e}");
    }

    #[test]
    fn hosts_can_be_query_parameters_as_in_libpq() {
        let h = Hosts::parse(
            "postgres://postgres@localhost/podium?host=/run/a,/run/b&port=5433,5434&target_session_attrs=read-write",
        )
        .unwrap();
        let names: Vec<_> = h.hosts.iter().map(describe).collect();
        assert_eq!(names, ["/run/a:5433", "/run/b:5434"]);
        assert_eq!(h.attrs, SessionAttrs::ReadWrite);
    }

    #[test]
    fn bad_urls_are_refused_with_the_reason() {
        assert!(matches!(
            Hosts::parse("mysql://a/db"),
            Err(UrlError::Scheme)
        ));
        assert!(matches!(
            Hosts::parse("postgres://a,,b/db"),
            Err(UrlError::EmptyHost)
        ));
    }

    #[test]
    fn connections_opened_before_a_switch_are_dropped() {
        let p = Primary::new(Hosts::parse("postgres://a,b/db").unwrap(), 0);
        let old = Duration::from_secs(3600);
        assert!(p.keeps_age(old), "no switch yet");
        p.switched_at_ms.store(1, Ordering::Relaxed);
        assert!(!p.keeps_age(old));
        assert!(p.keeps_age(Duration::ZERO));
    }
}
