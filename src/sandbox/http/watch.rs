//! WATCH: newline-delimited JSON events from a resourceVersion, with initial
//! events, bookmarks, the streaming-list end marker, and 410 for history
//! that has been compacted.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use base64::Engine as _;
use futures::stream;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::Incoming;
use super::table::{IncludeObject, table};
use crate::sandbox::Shared;
use crate::sandbox::api::read::{Filter, ListOptions, matching};
use crate::sandbox::api::{Target, served_as};
use crate::sandbox::errors::ApiError;
use crate::sandbox::resources::Resource;
use crate::sandbox::store::{Change, EventType};

/// How often an idle watch that allows bookmarks gets one, as the real
/// server sends them about once a minute.
const BOOKMARK_EVERY: Duration = Duration::from_secs(60);

/// How long a watch lasts when the client does not say.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

fn bookmark(resource: &Resource, rv: u64, initial_end: bool) -> Value {
    let mut meta = json!({"resourceVersion": rv.to_string(), "creationTimestamp": null});
    if initial_end {
        let blueprint = format!(
            "{}\n",
            json!({"kind": format!("{}List", resource.kind), "apiVersion": resource.api_version(),
                "metadata": {}, "items": null})
        );
        meta["annotations"] = json!({
            "k8s.io/initial-events-end": "true",
            "kubernetes.io/initial-events-list-blueprint":
                base64::engine::general_purpose::STANDARD.encode(blueprint),
        });
    }
    json!({"kind": resource.kind, "apiVersion": resource.api_version(), "metadata": meta})
}

/// Renders watched objects: as themselves, or as one-row Tables.
#[derive(Clone)]
struct Render {
    table: Option<(Option<Value>, IncludeObject)>,
    resource: Resource,
}

impl Render {
    fn object(&self, object: Value) -> Value {
        match &self.table {
            None => object,
            Some((crd, include)) => {
                let rv = object
                    .pointer("/metadata/resourceVersion")
                    .cloned()
                    .unwrap_or(Value::Null);
                table(
                    &self.resource,
                    crd.as_ref(),
                    &[object],
                    json!({"resourceVersion": rv}),
                    *include,
                    jiff::Timestamp::now(),
                )
            }
        }
    }
}

/// The event a watcher with `filter` sees for a change: objects moving into
/// the selection are ADDED, out of it DELETED, as the real watch cache does.
fn event_for(
    resource: &Resource,
    filter: &Filter,
    render: &Render,
    change: Change,
) -> Option<Bytes> {
    if change.key.group != resource.group || change.key.kind != resource.kind {
        return None;
    }
    let now = filter.matches(&change.object);
    let before = change.previous.as_ref().map(|p| filter.matches(p));
    let kind = match (change.event, before, now) {
        (EventType::Modified, Some(true), true) => "MODIFIED",
        (EventType::Modified, Some(false), true) => "ADDED",
        (EventType::Modified, Some(true), false) => "DELETED",
        (_, _, true) => change.event.as_str(),
        _ => return None,
    };
    let object = render.object(served_as(resource, change.object));
    Some(event_line(kind, &object))
}

struct Stream {
    render: Render,
    pending: VecDeque<Bytes>,
    receiver: Option<broadcast::Receiver<Change>>,
    deadline: Instant,
    filter: Filter,
    target: Target,
    bookmarks: bool,
    last_rv: u64,
}

impl Stream {
    fn line(&self, change: Change) -> Option<Bytes> {
        event_for(&self.target.resource, &self.filter, &self.render, change)
    }

    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(line) = self.pending.pop_front() {
                return Some(line);
            }
            let receiver = self.receiver.as_mut()?;
            let wake = if self.bookmarks {
                self.deadline.min(Instant::now() + BOOKMARK_EVERY)
            } else {
                self.deadline
            };
            match tokio::time::timeout_at(wake, receiver.recv()).await {
                Ok(Ok(change)) => {
                    if change.rv <= self.last_rv {
                        continue;
                    }
                    self.last_rv = change.rv;
                    if let Some(line) = self.line(change) {
                        return Some(line);
                    }
                }
                // Lagged or closed: end the watch; the client re-lists or resumes.
                Ok(Err(_)) => return None,
                Err(_) if wake < self.deadline => {
                    let b = bookmark(&self.target.resource, self.last_rv, false);
                    return Some(event_line("BOOKMARK", &b));
                }
                Err(_) => {
                    self.receiver = None;
                    if self.bookmarks {
                        let b = bookmark(&self.target.resource, self.last_rv, false);
                        return Some(event_line("BOOKMARK", &b));
                    }
                    return None;
                }
            }
        }
    }
}

pub fn watch(
    shared: &Shared,
    target: &Target,
    req: &Incoming,
    as_table: Option<(Option<Value>, IncludeObject)>,
) -> Result<Response, ApiError> {
    let render = Render {
        table: as_table,
        resource: target.resource.clone(),
    };
    let opts = ListOptions {
        label_selector: req.param("labelSelector").map(str::to_owned),
        field_selector: req.param("fieldSelector").map(str::to_owned),
        ..ListOptions::default()
    };
    let filter = Filter::new(target, &opts)?;
    let bookmarks = req.flag("allowWatchBookmarks");
    let send_initial = req.flag("sendInitialEvents");
    let timeout = req
        .param("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
    let state = shared.state();
    let receiver = state.store.subscribe();
    let current = state.store.resource_version();
    let mut pending = VecDeque::new();
    let mut receiver = Some(receiver);
    let rv = req
        .param("resourceVersion")
        .filter(|r| !r.is_empty() && *r != "0");
    match rv {
        _ if send_initial => {
            for o in matching(&state, target, &filter) {
                pending.push_back(event_line("ADDED", &render.object(o)));
            }
            if bookmarks {
                pending.push_back(event_line(
                    "BOOKMARK",
                    &bookmark(&target.resource, current, true),
                ));
            }
        }
        None => {
            for o in matching(&state, target, &filter) {
                pending.push_back(event_line("ADDED", &render.object(o)));
            }
        }
        Some(rv) => {
            let rv: u64 = rv
                .parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version \"{rv}\"")))?;
            match state.store.changes_since(rv) {
                None => {
                    pending.push_back(event_line(
                        "ERROR",
                        &ApiError::gone(rv, current).to_status(),
                    ));
                    receiver = None;
                }
                Some(changes) => {
                    for c in changes {
                        if let Some(line) = event_for(&target.resource, &filter, &render, c) {
                            pending.push_back(line);
                        }
                    }
                }
            }
        }
    }
    drop(state);
    let stream_state = Stream {
        render,
        pending,
        receiver,
        deadline: Instant::now() + timeout,
        filter,
        target: target.clone(),
        bookmarks,
        last_rv: current,
    };
    let body = stream::unfold(stream_state, |mut s| async move {
        s.next()
            .await
            .map(|line| (Ok::<Bytes, Infallible>(line), s))
    });
    let mut resp = Response::new(Body::from_stream(body));
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}
