//! `logs report --out DIR` (issue 17 item 7) on the hand-computed fixture log: the page, its
//! six figures, one CSV per section and report.json, with the numbers the page states taken
//! from the same report `logs analyse` prints.
use super::fixtures::agent_log;
use super::{driftless, store_with};

const FIGURES: [&str; 6] = [
    "steps_cdf.svg",
    "intervals.svg",
    "ctar_by_step.svg",
    "reformulation_by_step.svg",
    "repetition_by_step.svg",
    "latency.svg",
];

#[test]
fn report_writes_a_page_with_figures_tables_and_csvs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = store_with(dir.path(), &agent_log());
    let db = db.to_str().expect("utf8");
    let out = dir.path().join("report");
    let out_str = out.to_str().expect("utf8");
    driftless(&[
        "logs",
        "report",
        "--db",
        db,
        "--out",
        out_str,
        "--clear-clients",
    ]);

    let html = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    for figure in FIGURES {
        assert!(
            html.contains(&format!("<img src=\"{figure}\"")),
            "{figure} not on the page"
        );
        let svg = std::fs::read_to_string(out.join(figure)).expect(figure);
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{figure}"
        );
        // Labels are text the browser renders: the caption and axis names are there.
        assert!(svg.matches("<text").count() >= 5, "{figure} has no labels");
    }
    let steps = std::fs::read_to_string(out.join("steps_cdf.svg")).expect("svg");
    assert!(steps.contains("searches only") && steps.contains("all requests"));

    // The page and report.json state what `logs analyse` computes.
    let analysed = super::analyse_json(db, &["--clear-clients"]);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("json"))
            .expect("report.json");
    for key in [
        "records",
        "sessions",
        "ctar",
        "ctar_evidence",
        "search_steps",
        "top_queries",
    ] {
        assert_eq!(written[key], analysed[key], "{key}");
    }
    let records = analysed["records"].as_u64().expect("records");
    assert!(
        html.contains(&format!("<p>{records} requests from")),
        "{html}"
    );

    for section in [
        "overview",
        "steps",
        "intervals",
        "ctar_sessions",
        "top_queries",
        "endpoints",
    ] {
        let csv = std::fs::read_to_string(out.join(format!("{section}.csv"))).expect(section);
        assert!(csv.lines().count() >= 2, "{section}.csv is empty");
        assert!(
            html.contains(&format!("href=\"{section}.csv\"")),
            "{section} not linked"
        );
    }
}
