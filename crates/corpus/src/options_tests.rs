//! Unit tests of the reader options: format names and field mappings.

use super::*;

fn specs(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn format_round_trips_through_strings() {
    for f in [
        Format::Auto,
        Format::Html,
        Format::Jsonl,
        Format::Parquet,
        Format::Warc,
        Format::Tsv,
    ] {
        assert_eq!(f.to_string().parse::<Format>().ok(), Some(f));
        assert!(Format::NAMES.contains(f.as_str()));
    }
    assert_eq!("JSONL".parse::<Format>().ok(), Some(Format::Jsonl));
    assert_eq!(" Parquet ".parse::<Format>().ok(), Some(Format::Parquet));
    let err = "xml".parse::<Format>().err().map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("parquet, warc, tsv")));
}

#[test]
fn default_limits() {
    let o = ReaderOptions::default();
    assert_eq!(o.max_page_bytes, 16 << 20);
    assert!(!o.keep_flagged);
    assert!(o.fields.is_empty());
}

#[test]
fn field_maps_parse_single_and_comma_separated_specs() -> Result<(), CorpusError> {
    let map = FieldMap::parse(&specs(&[
        "id=docid,text=body",
        " Title = headline ",
        "url=link",
    ]))?;
    assert_eq!(map.id.as_deref(), Some("docid"));
    assert_eq!(map.text.as_deref(), Some("body"));
    assert_eq!(map.title.as_deref(), Some("headline"));
    assert_eq!(map.url.as_deref(), Some("link"));
    assert!(!map.is_empty());
    let entries: Vec<(String, String)> = map.entries().into_iter().collect();
    assert_eq!(
        entries,
        [
            ("id".to_string(), "docid".to_string()),
            ("text".to_string(), "body".to_string()),
            ("title".to_string(), "headline".to_string()),
            ("url".to_string(), "link".to_string()),
        ]
    );
    assert!(FieldMap::parse(&[])?.is_empty());
    assert!(FieldMap::parse(&specs(&["", " , "]))?.is_empty());
    Ok(())
}

#[test]
fn field_map_errors_say_what_is_accepted() {
    let err = |list: &[&str]| {
        FieldMap::parse(&specs(list))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let unknown = err(&["body=text"]);
    assert!(
        unknown.contains("\"body\" is not a document field"),
        "{unknown}"
    );
    assert!(unknown.contains("id, text, title, url"), "{unknown}");
    let repeated = err(&["id=docid", "id=pid"]);
    assert!(
        repeated.contains("already mapped to \"docid\""),
        "{repeated}"
    );
    assert!(err(&["id"]).contains("no '='"));
    assert!(err(&["id="]).contains("empty"));
    assert!(err(&["=docid"]).contains("is not a document field"));
}
