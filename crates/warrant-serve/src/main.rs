//! `warrant-serve`, run as `warrant serve`: the knowledge base behind a
//! CDS Hooks 2.0 HTTP service. The engine decides what every card says
//! (`warrant::cds_hooks`); this crate only loads the knowledge base, puts
//! it on the wire and keeps the wire safe (body size, timeouts, shutdown).

mod app;
mod server;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use warrant::dates::{self, Date};
use warrant::knowledge_base::{self, Files};
use warrant::limits::{self, Limits};

/// Serve the knowledge base as a CDS Hooks 2.0 service (`patient-view`).
///
/// Endpoints: GET /cds-services (discovery), POST /cds-services/warrant-patient-view
/// (cards), GET /health. Logs are JSON lines on stderr. Stops cleanly on
/// SIGTERM or Ctrl-C, finishing the requests in flight.
#[derive(Debug, Parser)]
#[command(name = "warrant serve", version)]
struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS")]
    bind: IpAddr,
    /// The port to listen on; 0 picks a free one (logged at start).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Directory of `*.warrant` rule files to use instead of the bundled rules.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Directory of `*.yaml` evidence files to use instead of the bundled evidence.
    #[arg(long, value_name = "DIR")]
    evidence: Option<PathBuf>,
    /// The report date (YYYY-MM-DD) for every request; today's date by default.
    #[arg(long, value_name = "DATE", value_parser = dates::parse_argument, env = "WARRANT_TODAY")]
    today: Option<Date>,
    /// The largest request body accepted; a larger one is answered 413.
    #[arg(long, default_value = "4MiB", value_name = "SIZE", value_parser = limits::parse_size)]
    max_body_size: u64,
    /// Seconds a client has to send its request headers, and a request to be answered (408 after that).
    #[arg(long, default_value_t = 10, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Entries in each of a profile's lists, and labs (as `warrant --max-list-items`).
    #[arg(long, default_value_t = Limits::default().list_items, value_name = "N")]
    max_list_items: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_writer(std::io::stderr)
        .init();
    let limits = Limits { list_items: args.max_list_items, ..Limits::default() };
    let files = match Files::from_dirs(args.rules.as_deref(), args.evidence.as_deref(), &limits) {
        Ok(files) => files,
        Err(diagnostic) => {
            eprint!("{}", warrant::diagnostic::render(&Default::default(), &[diagnostic], false));
            return ExitCode::FAILURE;
        }
    };
    let (sources, compiled) = knowledge_base::compile(files);
    let kb = match compiled {
        Ok(kb) => kb,
        Err(diagnostics) => {
            eprint!("{}", warrant::diagnostic::render(&sources, &diagnostics, false));
            eprintln!(
                "warrant serve: the knowledge base has errors; fix them (`warrant check`) and start again"
            );
            return ExitCode::FAILURE;
        }
    };
    let body_limit = usize::try_from(args.max_body_size).unwrap_or(usize::MAX);
    let state = Arc::new(app::State::new(kb, args.today, limits));
    let config = server::Config {
        address: SocketAddr::new(args.bind, args.port),
        timeout: Duration::from_secs(args.timeout),
        body_limit,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("warrant serve: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::run(config, state)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("warrant serve: {error}");
            ExitCode::FAILURE
        }
    }
}
