//! The `podium` command line: `serve`, `migrate`, `recompute`, `resync`, `admin` (create-user,
//! create-key), `audit export`, `openapi`, `version` and `config show`. Every subcommand shares
//! the configuration layers, logging and database access, and calls services, never `http`.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::{
    app::{RunOptions, run},
    config::Config,
    db::Database,
    telemetry,
};

/// Podium: leaderboards and rankings, self-hosted.
#[derive(Debug, Parser)]
#[command(name = "podium", version = crate::VERSION, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand understands (they override the environment and the file).
#[derive(Debug, Args, Serialize)]
struct Global {
    /// TOML configuration file (or PODIUM_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// Folder of the embedded PostgreSQL cluster (PODIUM_DATA_DIR, default ./data).
    #[arg(long, global = true, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<PathBuf>,
    /// json or text (PODIUM_LOG_FORMAT; default: json unless stdout is a terminal).
    #[arg(long, global = true, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    log_format: Option<LogFormatArg>,
    /// Log filter such as `info` or `podium=debug` (PODIUM_LOG_LEVEL).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    log_level: Option<String>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum LogFormatArg {
    Json,
    Text,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (and run the embedded PostgreSQL when DATABASE_URL is unset).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Recompute every rating of a league's current season from its matches (with progress).
    Recompute {
        /// The league's slug.
        #[arg(long)]
        league: String,
    },
    /// Make every running process pick up a leaderboard or league written to the database
    /// behind their backs (deploy/scripts/restore-resource): appends the change records that
    /// bring each process's memory to what is stored, without a restart.
    Resync(ResyncArgs),
    /// Manage accounts and API keys (works beside a running server).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Read the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Print version, git commit and build time.
    Version,
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("resource").required(true).args(["leaderboard", "league"])))]
struct ResyncArgs {
    /// The leaderboard's slug.
    #[arg(long)]
    leaderboard: Option<String>,
    /// The league's slug.
    #[arg(long)]
    league: Option<String>,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a user; the password is read from a prompt, or from standard input when it is
    /// not a terminal (never from an argument).
    CreateUser {
        #[arg(long)]
        email: String,
        /// owner, admin, editor or viewer.
        #[arg(long)]
        role: String,
    },
    /// Create an API key and print it once.
    CreateKey {
        #[arg(long)]
        name: String,
        /// Comma-separated: read, scores:write, matches:write, admin.
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// Limit the key to these leaderboards (comma-separated slugs).
        #[arg(long, value_delimiter = ',')]
        leaderboards: Option<Vec<String>>,
        /// Limit the key to these leagues (comma-separated slugs).
        #[arg(long, value_delimiter = ',')]
        leagues: Option<Vec<String>>,
        /// Expire after this many days.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Write the audit log as JSON lines, oldest first.
    Export {
        /// RFC 3339 time to start from.
        #[arg(long)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        /// RFC 3339 time to stop before.
        #[arg(long)]
        until: Option<chrono::DateTime<chrono::Utc>>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration as TOML, secrets masked.
    Show,
}

#[derive(Debug, Args, Serialize)]
struct ServeArgs {
    /// Public listener (PODIUM_HTTP_ADDR, default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    http_addr: Option<SocketAddr>,
    /// Metrics listener (PODIUM_METRICS_ADDR, default 127.0.0.1:9464).
    #[arg(long, value_name = "ADDR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics_addr: Option<SocketAddr>,
    /// Seed a few example leaderboards when there are none.
    #[arg(long)]
    #[serde(skip)]
    demo: bool,
}

#[derive(Serialize)]
struct Overrides<'a> {
    #[serde(flatten)]
    global: &'a Global,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    serve: Option<&'a ServeArgs>,
}

/// Parses the command line and runs the subcommand; the process exit code comes back.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!(
                "podium {} (commit {}, built {})",
                crate::VERSION,
                crate::GIT_COMMIT,
                crate::BUILD_TIME
            );
            return ExitCode::SUCCESS;
        }
        Command::Openapi => {
            match crate::app::openapi_document().to_pretty_json() {
                Ok(json) => println!("{json}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            }
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let serve_args = match &cli.command {
        Command::Serve(args) => Some(args),
        _ => None,
    };
    let overrides = Overrides {
        global: &cli.global,
        serve: serve_args,
    };
    let config = match Config::load(cli.global.config.as_deref(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run_command(cli.command, config));
    let code = match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "podium stopped with an error");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    };
    telemetry::flush();
    code
}

/// Runs a command that needs the configuration, with the logging it wants.
async fn run_command(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Config {
            command: ConfigCommand::Show,
        } => {
            print!("{}", config.to_toml());
            Ok(())
        }
        Command::Migrate => {
            telemetry::init(config.log_format, &config.log_level);
            migrate(config).await
        }
        Command::Serve(args) => {
            telemetry::init(config.log_format, &config.log_level);
            serve(config, args.demo).await
        }
        Command::Admin { command } => {
            telemetry::init(config.log_format, "warn");
            admin(config, command).await
        }
        Command::Audit {
            command: AuditCommand::Export { since, until },
        } => {
            telemetry::init(config.log_format, "warn");
            audit_export(config, since, until).await
        }
        Command::Recompute { league } => {
            telemetry::init(config.log_format, "warn");
            recompute(config, &league).await
        }
        Command::Resync(args) => {
            telemetry::init(config.log_format, "warn");
            resync(config, args).await
        }
        Command::Version | Command::Openapi => Ok(()),
    }
}

async fn resync(config: Config, args: ResyncArgs) -> anyhow::Result<()> {
    let db = Database::open(&config).await?;
    let result = resync_on(&db, args).await;
    db.close().await;
    result
}

async fn resync_on(db: &Database, args: ResyncArgs) -> anyhow::Result<()> {
    let ctx = crate::audit::Context::cli();
    if let Some(slug) = args.leaderboard {
        let Some(done) = crate::leaderboards::service::resync(&db.pool, &slug, &ctx).await? else {
            anyhow::bail!("no leaderboard has the slug '{slug}'");
        };
        match done.period_id {
            Some(period) => println!(
                "resynced leaderboard '{slug}' (id {}): period {period} with {} entries, from change {}",
                done.id, done.entries, done.seq
            ),
            None => println!(
                "resynced leaderboard '{slug}' (id {}): no period yet, from change {}",
                done.id, done.seq
            ),
        }
    }
    if let Some(slug) = args.league {
        let Some((id, version)) = crate::leagues::write::resync(&db.pool, &slug, &ctx).await?
        else {
            anyhow::bail!("no league has the slug '{slug}'");
        };
        println!(
            "resynced league '{slug}' (id {id}) at version {}",
            version.0
        );
    }
    Ok(())
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let db = Database::open(&config).await?;
    let pending = crate::db::pending_migrations(&db.pool).await?;
    for (i, m) in pending.iter().enumerate() {
        tracing::info!(migration = %m, progress = format!("{}/{}", i + 1, pending.len()), "pending migration");
    }
    let result = db.migrate().await;
    db.close().await;
    result?;
    println!("migrations applied: {} new", pending.len());
    Ok(())
}

async fn admin(config: Config, command: AdminCommand) -> anyhow::Result<()> {
    let db = Database::open(&config).await?;
    let result = admin_on(&db, command).await;
    db.close().await;
    result
}

fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password: ")?;
        let again = rpassword::prompt_password("again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

async fn admin_on(db: &Database, command: AdminCommand) -> anyhow::Result<()> {
    let ctx = crate::audit::Context::cli();
    match command {
        AdminCommand::CreateUser { email, role } => {
            let role = crate::accounts::Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role must be owner, admin, editor or viewer (got '{role}')")
            })?;
            let email = crate::accounts::normalize_email(&email)
                .map_err(|m| anyhow::anyhow!("--email: {m}"))?;
            let password = read_password()?;
            crate::accounts::check_password_strength(&password)
                .map_err(|m| anyhow::anyhow!("password: {m}"))?;
            let hash =
                crate::accounts::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
            match crate::accounts::service::create_user(&db.pool, &ctx, &email, &hash, role).await?
            {
                Some(id) => println!("created {} user {email} (id {id})", role.as_str()),
                None => anyhow::bail!("an account with '{email}' already exists"),
            }
        }
        AdminCommand::CreateKey {
            name,
            scopes,
            leaderboards,
            leagues,
            expires_in_days,
        } => {
            let scopes = scopes
                .iter()
                .map(|s| {
                    crate::accounts::Scope::parse(s.trim())
                        .ok_or_else(|| anyhow::anyhow!("--scopes: unknown scope '{s}' (read, scores:write, matches:write, admin)"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let now = chrono::Utc::now();
            let expires_at = expires_in_days.map(|d| now + chrono::Duration::days(i64::from(d)));
            crate::accounts::service::validate_key(&name, &scopes, expires_at, now)?;
            let new = crate::accounts::keys::NewKey {
                name: name.trim().to_owned(),
                scopes,
                leaderboards,
                leagues,
                expires_at,
                created_by: ctx.actor.clone(),
            };
            let (_, token) =
                crate::accounts::service::create_key(&db.pool, None, &ctx, &new).await?;
            eprintln!("API key '{}' created; it is shown only now:", new.name);
            println!("{}", token.0);
        }
    }
    Ok(())
}

async fn audit_export(
    config: Config,
    since: Option<chrono::DateTime<chrono::Utc>>,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let db = Database::open(&config).await?;
    let mut filter = crate::audit::Filter {
        since,
        until,
        ascending: true,
        ..Default::default()
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let result: anyhow::Result<()> = async {
        loop {
            let page = crate::audit::list(&db.pool, &filter, 5000).await?;
            for e in &page {
                serde_json::to_writer(&mut out, e)?;
                out.write_all(b"\n")?;
            }
            match page.last() {
                Some(last) if page.len() == 5000 => filter.cursor = Some(last.id),
                _ => break,
            }
        }
        out.flush()?;
        Ok(())
    }
    .await;
    db.close().await;
    result
}

async fn recompute(config: Config, slug: &str) -> anyhow::Result<()> {
    let db = Database::open(&config).await?;
    let result = recompute_on(&db, slug).await;
    db.close().await;
    result
}

async fn recompute_on(db: &Database, slug: &str) -> anyhow::Result<()> {
    let mut conn = db.pool.acquire().await?;
    let all = crate::leagues::store::load_all(&mut conn).await?;
    let Some((def, version)) = all.into_iter().find(|(d, _)| d.slug == slug) else {
        anyhow::bail!("no league has the slug '{slug}'");
    };
    // The recompute itself reads and replays the matches; it only needs the league's identity.
    let params = podium_core::rating::Params::parse(&def.system, &def.params)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut data = crate::leagues::LeagueData::new(std::sync::Arc::new(def), params);
    data.version = version;
    drop(conn);
    let leagues = crate::leagues::Leagues::default();
    let league = leagues.install(data);
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} matches ({per_sec}, {eta} left)",
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .progress_chars("=> "),
    );
    bar.set_message(format!("recomputing {slug}"));
    let started = std::time::Instant::now();
    let progress_bar = bar.clone();
    let total = crate::leagues::write::recompute(
        &db.pool,
        &league,
        chrono::Utc::now(),
        &move |done, total| {
            progress_bar.set_length(total);
            progress_bar.set_position(done);
        },
        &crate::audit::Context::cli(),
    )
    .await?;
    bar.finish();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "recomputed {total} matches of '{slug}' in {seconds:.2} s ({:.0} matches/s)",
        total as f64 / seconds.max(1e-9)
    );
    Ok(())
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.http_addr)
        .await
        .with_context(|| format!("could not listen on {}", config.http_addr))?;
    let metrics = tokio::net::TcpListener::bind(config.metrics_addr)
        .await
        .with_context(|| format!("could not listen on {} for metrics", config.metrics_addr))?;
    crate::metrics::handle();
    run(
        config,
        RunOptions {
            demo,
            ..RunOptions::default()
        },
        listener,
        Some(metrics),
        shutdown_signal(),
    )
    .await
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = int.recv() => tracing::info!("SIGINT received"),
    }
}
