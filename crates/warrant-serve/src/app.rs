//! The routes: discovery, the hook, health; every answer JSON, every error
//! a JSON object that says what went wrong and how to fix it.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State as Shared};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use warrant::cds_hooks;
use warrant::dates::{self, Date};
use warrant::knowledge_base::KnowledgeBase;
use warrant::limits::Limits;
use warrant::span::{SourceFile, SourceMap};

/// What every request reads.
pub struct State {
    kb: KnowledgeBase,
    /// The report date when fixed by `--today`; else each request's day.
    today: Option<Date>,
    limits: Limits,
    /// The discovery document, written once.
    discovery: String,
}

impl State {
    pub fn new(kb: KnowledgeBase, today: Option<Date>, limits: Limits) -> Self {
        let discovery = json_text(&cds_hooks::discovery(&kb));
        State { kb, today, limits, discovery }
    }
}

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/cds-services", get(discovery))
        .route("/cds-services/{id}", post(hook))
        .route("/health", get(health))
        .fallback(not_found)
        .with_state(state)
}

async fn discovery(Shared(state): Shared<Arc<State>>) -> Response {
    json_response(StatusCode::OK, state.discovery.clone())
}

async fn health(Shared(state): Shared<Arc<State>>) -> Response {
    let program = &state.kb.graph.program;
    let files: Vec<_> = program
        .files
        .iter()
        .map(|file| json!({ "file": file.name, "version": file.version.as_deref().unwrap_or("unversioned") }))
        .collect();
    let body = json!({ "status": "ok", "rules": program.rules.len(), "knowledge_base": files });
    json_response(StatusCode::OK, json_text(&body))
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such endpoint: try GET /cds-services, POST /cds-services/{id} or GET /health",
    )
}

async fn hook(
    Shared(state): Shared<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if id != cds_hooks::SERVICE_ID {
        return error(
            StatusCode::NOT_FOUND,
            &format!(
                "no service `{id}` here; this one is `{}` (see GET /cds-services)",
                cds_hooks::SERVICE_ID
            ),
        );
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the hook request as JSON, with the header `Content-Type: application/json`",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                String::from(
                    "the request is larger than this service accepts; prefetch less, or start it with a larger --max-body-size",
                )
            } else {
                format!("the request body could not be read: {}", rejection.body_text())
            };
            return error(status, &message);
        }
    };
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return error(StatusCode::BAD_REQUEST, "the request body is not UTF-8 text; JSON must be UTF-8");
    };
    // Reading FHIR and evaluating is CPU work: off the async workers.
    let answer = tokio::task::spawn_blocking(move || answer(&state, text)).await;
    answer.unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "the request could not be answered"))
}

/// The cards for a request, or 400 with the diagnostics that say where the
/// request is wrong (as JSON paths, lines and columns).
fn answer(state: &State, text: String) -> Response {
    let mut sources = SourceMap::new();
    let source = SourceFile::new("request", text);
    let file = sources.add(source.clone());
    let today = state.today.unwrap_or_else(dates::today);
    match cds_hooks::respond(&state.kb, file, &source, today, &state.limits) {
        Ok(cards) => json_response(StatusCode::OK, json_text(&cards)),
        Err(diagnostics) => {
            let body = json!({
                "error": format!("the request could not be read ({})", warrant::diagnostic::summary(&diagnostics)),
                "diagnostics": warrant::diagnostic::json_values(&sources, &diagnostics),
            });
            json_response(StatusCode::BAD_REQUEST, json_text(&body))
        }
    }
}

pub fn error(status: StatusCode, message: &str) -> Response {
    json_response(status, json_text(&json!({ "error": message })))
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Compact JSON with every control character escaped.
fn json_text<T: serde::Serialize>(value: &T) -> String {
    // Serialising plain data cannot fail.
    warrant::escape::json_line(value).unwrap_or_default()
}
