use std::path::Path;

use super::*;

fn p() -> &'static Path {
    Path::new("t.txt")
}

fn err<T: std::fmt::Debug>(r: Result<T, EvalError>) -> String {
    r.expect_err("should fail").to_string()
}

/// Each input fails to `parse` with an error containing its expected text.
fn assert_errors<T: std::fmt::Debug>(
    parse: impl Fn(&str, &Path) -> Result<T, EvalError>,
    cases: &[(&str, &str)],
) {
    for (input, expected) in cases {
        let message = err(parse(input, p()));
        assert!(message.contains(expected), "{input:?}: {message}");
    }
}

#[test]
fn topics_round_trip_and_skip_blank_lines() {
    let topics = parse_topics("q1\tos walk\n\nq2\tabs() (built-in function)\r\n", p()).unwrap();
    assert_eq!(topics.len(), 2);
    assert_eq!(topics[1].query, "abs() (built-in function)");
    assert_eq!(parse_topics(&format_topics(&topics), p()).unwrap(), topics);
}

#[test]
fn malformed_topics_name_the_line() {
    assert_eq!(
        err(parse_topics("q1\tok\nq2 no tab\n", p())),
        "t.txt:2: expected `qid<TAB>query`, found no tab"
    );
    assert_errors(
        parse_topics,
        &[
            (
                "q1\ta\tb\n",
                "t.txt:1: expected `qid<TAB>query`, found more than one tab",
            ),
            (
                "q1\ta\nq1\tb\n",
                "t.txt:2: duplicate topic id q1 (first on line 1)",
            ),
            ("q1\t  \n", "t.txt:1: topic q1 has an empty query"),
            ("q 1\tx\n", "t.txt:1: topic id \"q 1\""),
            ("\n\n", "no topics"),
        ],
    );
}

#[test]
fn qrels_round_trip() {
    let qrels = parse_qrels("q1 0 a 1\nq1 0 b 2\nq2 Q0 c 0\n", p()).unwrap();
    assert_eq!(qrels["q1"]["b"], 2);
    assert_eq!(parse_qrels(&format_qrels(&qrels), p()).unwrap(), qrels);
    // The same judgement twice is harmless.
    assert!(parse_qrels("q1 0 a 1\nq1 0 a 1\n", p()).is_ok());
}

#[test]
fn malformed_qrels_name_the_line() {
    assert_eq!(
        err(parse_qrels("q1 0 a 1\nq1 0 b\n", p())),
        "t.txt:2: expected 4 fields `qid 0 docid relevance`, found 3"
    );
    assert_errors(
        parse_qrels,
        &[
            (
                "q1 0 a high\n",
                "t.txt:1: relevance \"high\" is not an integer",
            ),
            ("q1 0 a 1\nq1 0 a 0\n", "t.txt:2: q1 a judged twice"),
            ("", "no judgements"),
        ],
    );
}

#[test]
fn runs_round_trip() {
    let mut text = String::new();
    format_run_topic(
        &mut text,
        "q1",
        &[("a".into(), 2.5), ("b".into(), 1.25)],
        "tag",
    );
    assert_eq!(text, "q1 Q0 a 1 2.5 tag\nq1 Q0 b 2 1.25 tag\n");
    let run = parse_run(&text, p()).unwrap();
    assert_eq!(
        run["q1"],
        vec![("a".to_string(), 2.5), ("b".to_string(), 1.25)]
    );
}

#[test]
fn malformed_runs_name_the_line() {
    assert_errors(
        parse_run,
        &[
            ("q1 Q0 a 1 2.0\n", "t.txt:1: expected 6 fields"),
            ("q1 Q0 a one 2.0 t\n", "t.txt:1: rank \"one\""),
            (
                "q1 Q0 a 1 NaN t\n",
                "t.txt:1: score \"NaN\" is not a finite number",
            ),
            (
                "q1 Q0 a 1 2 t\nq1 Q0 a 2 1 t\n",
                "t.txt:2: document a appears twice for topic q1",
            ),
        ],
    );
}
