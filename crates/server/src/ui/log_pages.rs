//! The console pages over the query log: the session list, one session's timeline and the
//! dashboards. Sessions are recomputed from the raw rows with the default gap, exactly as
//! `driftless logs sessions` does, so ids match the CLI's for the same time range.
use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use driftless_console::{AnalysisInputs, LogForm, SessionSummary, SnapshotEvidence, figures};
use driftless_querylog::analysis::AnalysisConfig;
use driftless_querylog::{
    DEFAULT_SESSION_GAP, LogStore, RecordFilter, Session, SessionStream, now_ms,
};

use super::{Pairs, html};
use crate::error_code::ErrorCode;
use crate::state::AppState;

/// Sessions the list shows at most (the newest).
const LIST_LIMIT: usize = 200;

/// A refusal shown on the page: status, code, message.
type Refusal = (StatusCode, &'static str, String);

fn refuse(code: ErrorCode, message: impl Into<String>) -> Refusal {
    (code.status(), code.as_str(), message.into())
}

/// The store, or why there is none.
fn store(state: &AppState) -> Result<LogStore, Refusal> {
    state.log_reader().cloned().ok_or_else(|| {
        refuse(
            ErrorCode::NoQueryLog,
            "this server keeps no query log (it was started with --no-log); restart `driftless serve` with logging on to see sessions and dashboards",
        )
    })
}

/// The form's window and client as a store filter.
fn filter(form: &LogForm) -> Result<RecordFilter, Refusal> {
    let (since, until) = form
        .window(now_ms())
        .map_err(|m| refuse(ErrorCode::InvalidParameter, m))?;
    Ok(RecordFilter {
        since_ms: Some(since),
        until_ms: until,
        client: (!form.client.is_empty()).then(|| form.client.clone()),
        endpoint: None,
    })
}

/// Streams the sessions under `filter` to `each`, in the order they close.
async fn for_each_session(
    store: &LogStore,
    filter: &RecordFilter,
    each: &mut (dyn FnMut(Session) + Send),
) -> Result<(), Refusal> {
    let failed = |e: driftless_querylog::QueryLogError| refuse(ErrorCode::Internal, e.to_string());
    let sizes = store.hinted_sizes(filter).await.map_err(failed)?;
    let mut stream = SessionStream::new(DEFAULT_SESSION_GAP, Some(sizes));
    let mut closed = Vec::new();
    store
        .for_each_canonical(filter, &mut |record| {
            stream.push(record, &mut closed);
            closed.drain(..).for_each(&mut *each);
            Ok(())
        })
        .await
        .map_err(failed)?;
    stream.finish(&mut closed);
    closed.drain(..).for_each(each);
    Ok(())
}

/// The cached intent labels of the form's model, if it names one.
async fn intent_labels(
    store: &LogStore,
    form: &LogForm,
) -> Result<Option<HashMap<String, String>>, Refusal> {
    if form.model.is_empty() {
        return Ok(None);
    }
    let labels = store
        .cached_labels(&form.model)
        .await
        .map_err(|e| refuse(ErrorCode::Internal, e.to_string()))?;
    Ok(Some(labels))
}

async fn list(
    state: &AppState,
    form: &LogForm,
    filter: &RecordFilter,
) -> Result<(Vec<SessionSummary>, usize), Refusal> {
    let store = store(state)?;
    let min_steps = form
        .min_steps()
        .map_err(|m| refuse(ErrorCode::InvalidParameter, m))?;
    let labels = intent_labels(&store, form).await?;
    let (mut rows, mut matched) = (Vec::new(), 0usize);
    for_each_session(&store, filter, &mut |s| {
        let intent = labels
            .as_ref()
            .and_then(|l| driftless_console::intent_of(&s, &form.model, l));
        if s.steps() < min_steps
            || (!form.intent.is_empty() && intent.as_deref() != Some(&form.intent))
        {
            return;
        }
        matched += 1;
        rows.push(SessionSummary::of(&s, intent));
        if rows.len() >= 2 * LIST_LIMIT {
            newest_first(&mut rows);
        }
    })
    .await?;
    newest_first(&mut rows);
    Ok((rows, matched))
}

/// Keeps the newest [`LIST_LIMIT`] sessions, newest first (ties by id, so the page is stable).
fn newest_first(rows: &mut Vec<SessionSummary>) {
    rows.sort_by(|a, b| b.start_ms.cmp(&a.start_ms).then_with(|| a.id.cmp(&b.id)));
    rows.truncate(LIST_LIMIT);
}

/// `GET /ui/sessions`.
pub(crate) async fn sessions(State(state): State<AppState>, Pairs(pairs): Pairs) -> Response {
    let form = LogForm::from_pairs(&pairs);
    // Links carry the window as resolved now, so the timeline recomputes the same gap
    // sessions (their ids count a client's sessions from the window's start).
    let outcome = match filter(&form) {
        Ok(filter) => list(&state, &form, &filter)
            .await
            .map(|rows| (rows, (filter.since_ms.unwrap_or(0), filter.until_ms))),
        Err(refusal) => Err(refusal),
    };
    match outcome {
        Ok(((rows, matched), window)) => html(
            StatusCode::OK,
            driftless_console::sessions_page(&form, Ok((&rows, matched, window))),
        ),
        Err((status, code, message)) => html(
            status,
            driftless_console::sessions_page(&form, Err((code, &message))),
        ),
    }
}

async fn find_timeline(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<driftless_console::Timeline, Refusal> {
    let id = pairs
        .iter()
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if id.is_empty() {
        return Err(refuse(
            ErrorCode::InvalidParameter,
            "`id` is required: open a session from the session list",
        ));
    }
    let form = LogForm::from_pairs(pairs);
    let store = store(state)?;
    let filter = filter(&form)?;
    let labels = intent_labels(&store, &form).await?;
    let mut found = None;
    for_each_session(&store, &filter, &mut |s| {
        if s.id == id {
            found = Some(s);
        }
    })
    .await?;
    let session = found.ok_or_else(|| {
        refuse(
            ErrorCode::NotFound,
            format!("no session {id:?} in this time range; open it from the session list"),
        )
    })?;
    let intent = labels
        .as_ref()
        .and_then(|l| driftless_console::intent_of(&session, &form.model, l));
    let llm_labels = labels
        .as_ref()
        .map(|l| driftless_console::reformulation_labels(&session, &form.model, l))
        .unwrap_or_default();
    // Stemming every delivered text and rebuilding fetched windows is CPU work: off the
    // async workers.
    let snapshot = state.snapshot().ok();
    tokio::task::spawn_blocking(move || {
        let mut evidence = SnapshotEvidence::new(snapshot);
        driftless_console::timeline(&session, intent, &llm_labels, &mut evidence)
    })
    .await
    .map_err(|e| refuse(ErrorCode::Internal, format!("building the timeline: {e}")))
}

/// `GET /ui/session?id=…&client=…&since=…`.
pub(crate) async fn session(State(state): State<AppState>, Pairs(pairs): Pairs) -> Response {
    match find_timeline(&state, &pairs).await {
        Ok(t) => html(StatusCode::OK, driftless_console::session_page(Ok(&t))),
        Err((status, code, message)) => html(
            status,
            driftless_console::session_page(Err((code, &message))),
        ),
    }
}

async fn analyse(
    state: &AppState,
    form: &LogForm,
) -> Result<(driftless_querylog::analysis::Report, Vec<figures::Figure>), Refusal> {
    let store = store(state)?;
    let mut filter = filter(form)?;
    filter.client = None;
    let _permit = state
        .console_jobs()
        .acquire()
        .await
        .map_err(|_| refuse(ErrorCode::Internal, "the server is shutting down"))?;
    let inputs = AnalysisInputs {
        config: AnalysisConfig {
            gap: DEFAULT_SESSION_GAP,
            top_n: 20,
        },
        snapshot: state.snapshot().ok(),
        intents: None,
    };
    let (report, _) = driftless_console::analyse_store(&store, &filter, inputs, &mut |_| {})
        .await
        .map_err(|e| refuse(ErrorCode::Internal, e.to_string()))?;
    let figures =
        figures::figures(&report, None).map_err(|e| refuse(ErrorCode::Internal, e.to_string()))?;
    Ok((report, figures))
}

/// `GET /ui/dashboards`.
pub(crate) async fn dashboards(State(state): State<AppState>, Pairs(pairs): Pairs) -> Response {
    let form = LogForm::from_pairs(&pairs);
    match analyse(&state, &form).await {
        Ok((report, figures)) => html(
            StatusCode::OK,
            driftless_console::dashboards_page(&form, Ok((&report, &figures))),
        ),
        Err((status, code, message)) => html(
            status,
            driftless_console::dashboards_page(&form, Err((code, &message))),
        ),
    }
}
