//! The listener: HTTP/1.1 connections with a deadline for their headers
//! and for each answer, a body limit, CORS for browser clients, one JSON
//! log line per request, and a graceful stop on SIGTERM or Ctrl-C.
//!
//! Its own accept loop rather than `axum::serve`, which gives hyper no
//! timer: without one, a client that sends half its headers holds a
//! connection for ever.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::cors::CorsLayer;

use crate::app;

/// A failure to listen, with the address and what to do about it.
fn cannot_listen(address: SocketAddr, error: std::io::Error) -> std::io::Error {
    let help = match error.kind() {
        std::io::ErrorKind::AddrInUse => {
            "; another program listens there: stop it, or choose another `--port`"
        }
        std::io::ErrorKind::PermissionDenied => {
            "; a port below 1024 needs privileges: choose a `--port` of 1024 or more"
        }
        std::io::ErrorKind::AddrNotAvailable => {
            "; no interface of this machine has that address: give one of its own with `--bind`"
        }
        _ => "",
    };
    std::io::Error::new(error.kind(), format!("cannot listen on {address}: {error}{help}"))
}

pub struct Config {
    pub address: SocketAddr,
    /// For a client to send its headers, and for an answer.
    pub timeout: Duration,
    pub body_limit: usize,
}

/// Serves until SIGTERM or Ctrl-C, then lets open requests finish.
pub async fn run(config: Config, state: Arc<app::State>) -> std::io::Result<()> {
    let listener =
        TcpListener::bind(config.address).await.map_err(|error| cannot_listen(config.address, error))?;
    let address = listener.local_addr()?;
    let timeout = config.timeout;
    let router: Router = app::router(state)
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(CorsLayer::permissive())
        .layer(middleware::from_fn(move |request, next| timed_and_logged(timeout, request, next)));
    tracing::info!(address = %address, "listening");

    let (stop, stopped) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown_signal());
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: wait, then go on.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let service = TowerToHyperService::new(router.clone());
                let mut stopped = stopped.clone();
                connections.spawn(async move {
                    let mut builder = hyper::server::conn::http1::Builder::new();
                    builder.timer(TokioTimer::new()).header_read_timeout(timeout);
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let mut connection = std::pin::pin!(connection);
                    tokio::select! {
                        result = connection.as_mut() => {
                            if let Err(error) = result {
                                tracing::debug!(%peer, %error, "connection ended with an error");
                            }
                        }
                        _ = stopped.changed() => {
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.await;
                        }
                    }
                });
            }
            // Reap finished connections so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    tracing::info!(open_connections = connections.len(), "stopping: finishing requests in flight");
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Answers within `timeout` or with 408, and logs the request as one JSON
/// line: method, path, status, microseconds.
async fn timed_and_logged(timeout: Duration, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => app::error(
            StatusCode::REQUEST_TIMEOUT,
            "the request was not received and answered in time; send it whole, at once",
        ),
    };
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(method = %method, path = %path, status = response.status().as_u16(), micros, "request");
    response
}
