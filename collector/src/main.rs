//! `ferretwatch-collector`: see `docs/collector.md`.

use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use ferretwatch_collector::admin::{Role, create_token, retention};
use ferretwatch_collector::db::connect;
use ferretwatch_collector::limits::Rate;
use ferretwatch_collector::server::{AppState, Config, load_fleet, serve};
use ferretwatch_collector::store::Store;

#[derive(Parser)]
#[command(name = "ferretwatch-collector", version, about = "FerretWatch report, false-positive and telemetry intake")]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Database: `sqlite:PATH` (default `sqlite:collector.db` in the working directory) or
    /// `postgres://user@host:port/dbname` (no TLS: loopback or a private network).
    #[arg(long, default_value = "sqlite:collector.db")]
    db: String,
    /// Per-IP limit on report submissions, e.g. `5/min,300/day`, or `off`.
    #[arg(long, default_value = "5/min,300/day")]
    ip_limit: String,
    /// Per-install-token limit, e.g. `3/min,100/day`, or `off`.
    #[arg(long, default_value = "3/min,100/day")]
    install_limit: String,
    /// Days raw reports are kept before the archive step.
    #[arg(long, default_value_t = 90)]
    retention_days: u64,
    /// Most writes waiting for the database (beyond: 503 with Retry-After).
    #[arg(long, default_value_t = 16_384)]
    queue: usize,
    /// Seconds a client may take to send a request body (slow clients get 408).
    #[arg(long, default_value_t = 10)]
    body_timeout: u64,
    /// Seconds a client may take to send a request head, and the longest idle wait for the
    /// next request on a keep-alive connection; slower: the connection is closed.
    #[arg(long, default_value_t = 10)]
    header_timeout: u64,
    /// Most connections open at once (further ones wait in the listen backlog).
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Most connections open at once from one client IP (further ones: 503, closed); 0 = no cap.
    #[arg(long, default_value_t = 256)]
    max_connections_per_ip: usize,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Creates an admin bearer token (printed once; only its hash is stored).
    Token {
        /// Who holds it.
        #[arg(long)]
        name: String,
        /// viewer, reviewer, publisher, admin or auditor.
        #[arg(long)]
        role: String,
    },
    /// Runs the retention step once (archive + delete raw reports older than --retention-days).
    Retention,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut conn = connect(&cli.db).with_context(|| format!("cannot open the database {}", cli.db))?;
    match &cli.cmd {
        Some(Cmd::Token { name, role }) => {
            let role = Role::parse(role).context("--role must be viewer, reviewer, publisher, admin or auditor")?;
            println!("{}", create_token(conn.as_mut(), name, role, "cli")?);
            return Ok(());
        }
        Some(Cmd::Retention) => {
            let n = retention(conn.as_mut(), cli.retention_days, "cli", "cli")?;
            println!("archived {n} reports older than {} days", cli.retention_days);
            return Ok(());
        }
        None => {}
    }
    let cfg = Config {
        ip_rate: Rate::parse(&cli.ip_limit).map_err(anyhow::Error::msg).context("--ip-limit")?,
        install_rate: Rate::parse(&cli.install_limit).map_err(anyhow::Error::msg).context("--install-limit")?,
        retention_days: cli.retention_days,
        body_timeout: Duration::from_secs(cli.body_timeout.max(1)),
        header_timeout: Duration::from_secs(cli.header_timeout.max(1)),
        max_connections: cli.max_connections.max(1),
        max_connections_per_ip: cli.max_connections_per_ip,
        ..Config::default()
    };
    let fleet = load_fleet(conn.as_mut()).context("cannot read stored telemetry")?;
    let store = Store::start(conn, cli.queue.max(16));
    let state = AppState::new(store.clone(), cfg, fleet);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&cli.listen)
            .await
            .with_context(|| format!("cannot listen on {} (in use? try another --listen)", cli.listen))?;
        eprintln!("ferretwatch-collector listening on http://{}", listener.local_addr()?);
        let days = cli.retention_days;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                if let Err(e) = store.run(move |c| retention(c, days, "system", "system")).await {
                    eprintln!("retention step failed: {e}");
                }
            }
        });
        let shutdown = async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
                tokio::select! {
                    _ = ctrl_c => {},
                    _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {},
                }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
        };
        serve(listener, state, shutdown).await.context("server error")
    })
}
