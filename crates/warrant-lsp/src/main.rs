//! `warrant-lsp`, run as `warrant lsp`: the language server on stdio.

use std::process::ExitCode;

use lsp_server::{Connection, Message, Notification, Response};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, HoverProviderCapability, InitializeParams, OneOf,
    ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
};
use warrant_lsp::Server;

fn main() -> ExitCode {
    if std::env::args().skip(1).any(|arg| arg == "--help" || arg == "-h") {
        println!(
            "warrant lsp: the Language Server Protocol for Warrant rule files, on standard input and output.\n\n\
             Start it from an editor (see the README). The workspace is the folder the editor opens;\n\
             its rules/*.warrant and evidence/*.yaml are compiled on every change. WARRANT_TODAY sets\n\
             the date review ages are measured to."
        );
        return ExitCode::SUCCESS;
    }
    match serve() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("warrant lsp: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (connection, threads) = Connection::stdio();
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions::default()),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let initialize = connection.initialize(serde_json::to_value(capabilities)?)?;
    let params: InitializeParams = serde_json::from_value(initialize)?;
    #[allow(deprecated, reason = "root_uri is the fallback for clients that send no workspace folders")]
    let root = params
        .workspace_folders
        .and_then(|folders| folders.into_iter().next())
        .map(|folder| folder.uri)
        .or(params.root_uri)
        .and_then(|uri| uri.to_file_path().ok())
        .map_or_else(std::env::current_dir, Ok)?;
    let today = std::env::var("WARRANT_TODAY")
        .ok()
        .and_then(|text| warrant::dates::parse_argument(&text).ok())
        .unwrap_or_else(warrant::dates::today);
    let mut server = Server::new(root, today);
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    break;
                }
                let response = match server.request(&request.method, request.params) {
                    Ok(result) => Response::new_ok(request.id, result),
                    Err(failure) => Response::new_err(request.id, failure.code, failure.message),
                };
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => {
                for (method, params) in server.notify(&notification.method, notification.params) {
                    connection.sender.send(Message::Notification(Notification { method, params }))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(connection);
    threads.join()?;
    Ok(())
}
