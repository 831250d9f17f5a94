//! Tests that need fetched data (a model, the runtime, a corpus): CI fetches it first, so
//! there a missing file is a failure; elsewhere the test is skipped with a note saying why.

/// Fails under CI with `ci_message`; elsewhere prints `note: <note>` for the caller to skip.
pub fn skip_outside_ci(ci_message: &str, note: &str) {
    assert!(std::env::var_os("CI").is_none(), "{ci_message}");
    eprintln!("note: {note}");
}
