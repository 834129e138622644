//! Unit tests of the searchset Bundle: what a client reads in links, entries and subsets.

use jiff::Timestamp;
use relais_fhir::search::TotalMode;
use relais_store::Method;

use super::*;

const BASE: &str = "https://relais.example/fhir";

fn row(resource_type: &str, id: &str, content: Value) -> ResourceRow {
    ResourceRow {
        seq: 1,
        resource_type: resource_type.into(),
        id: id.into(),
        version: 1,
        last_updated: Timestamp::UNIX_EPOCH,
        deleted: false,
        method: Method::Put,
        content: Some(content.to_string()),
    }
}

fn observation(id: &str) -> Value {
    json!({
        "resourceType": "Observation", "id": id, "meta": {"versionId": "1"},
        "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">HR</div>"},
        "status": "final", "_status": {"extension": []},
        "code": {"text": "HR"},
        "subject": {"reference": "Patient/p1"},
        "valueQuantity": {"value": 72},
    })
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn query(resource_type: &str) -> SearchQuery {
    SearchQuery { resource_type: resource_type.into(), ..SearchQuery::default() }
}

fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"].as_array()?.iter().find(|l| l["relation"] == relation)?["url"].as_str().map(str::to_owned)
}

#[test]
fn self_link_keeps_honoured_parameters_encoded_and_drops_ignored_ones() {
    let mut q = query("Observation");
    q.ignored = vec!["colour".into()];
    q.count = Some(500);
    let sent = pairs(&[
        ("subject:Patient.name", "Léa Roy"),
        ("colour", "secret"),
        ("_count", "9000"),
        ("code", "http://loinc.org|8867-4"),
        ("note", "a&b=c+d"),
        ("_format", "json"),
    ]);
    let b = searchset(&q, &sent, SearchPage::default(), BASE).unwrap();
    assert_eq!(
        link(&b, "self").unwrap(),
        "https://relais.example/fhir/Observation?subject:Patient.name=L%C3%A9a%20Roy&_count=500\
         &code=http://loinc.org%7C8867-4&note=a%26b%3Dc%2Bd"
    );
    assert!(!b.to_string().contains("secret"), "an ignored value is never echoed");
    // The link parses back to what the server honoured.
    let url = link(&b, "self").unwrap();
    let back: Vec<(String, String)> = form_urlencoded::parse(url.split_once('?').unwrap().1.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(back[0], ("subject:Patient.name".into(), "Léa Roy".into()));
    assert_eq!(back[3], ("note".into(), "a&b=c+d".into()));
}

#[test]
fn paging_links_replace_the_cursor_and_keep_the_rest() {
    let mut q = query("Patient");
    q.cursor = Some("now".into());
    let sent = pairs(&[("name", "roy"), ("_cursor", "now")]);
    let page = SearchPage { next: Some("n+1/=".into()), previous: Some("p".into()), ..SearchPage::default() };
    let b = searchset(&q, &sent, page, BASE).unwrap();
    assert_eq!(link(&b, "self").unwrap(), format!("{BASE}/Patient?name=roy&_cursor=now"));
    assert_eq!(link(&b, "next").unwrap(), format!("{BASE}/Patient?name=roy&_cursor=n%2B1/%3D"));
    assert_eq!(link(&b, "previous").unwrap(), format!("{BASE}/Patient?name=roy&_cursor=p"));
    let first = searchset(&query("Patient"), &[], SearchPage::default(), BASE).unwrap();
    assert_eq!(link(&first, "self").unwrap(), format!("{BASE}/Patient"));
    assert_eq!(link(&first, "next"), None);
    assert_eq!(first["type"], "searchset");
    assert!(first.get("entry").is_none(), "no empty array in FHIR JSON");
    assert!(first.get("total").is_none(), "no total unless the store knows it");
}

#[test]
fn entries_carry_full_url_resource_and_mode() {
    let page = SearchPage {
        matches: vec![row("Observation", "o1", observation("o1"))],
        included: vec![row("Patient", "p1", json!({"resourceType": "Patient", "id": "p1"}))],
        total: Some(1),
        ..SearchPage::default()
    };
    let b = searchset(&query("Observation"), &[], page, BASE).unwrap();
    assert_eq!(b["total"], 1);
    assert_eq!(b["entry"][0]["fullUrl"], format!("{BASE}/Observation/o1"));
    assert_eq!(b["entry"][0]["resource"], observation("o1"), "a match is the stored resource, whole");
    assert_eq!(b["entry"][0]["search"]["mode"], "match");
    assert_eq!(b["entry"][1]["fullUrl"], format!("{BASE}/Patient/p1"));
    assert_eq!(b["entry"][1]["search"]["mode"], "include");
}

#[test]
fn unreadable_content_is_a_server_fault_not_a_missing_entry() {
    let mut bad = row("Observation", "o1", json!({}));
    bad.content = Some("{not json".into());
    let page = SearchPage { matches: vec![bad], ..SearchPage::default() };
    let e = searchset(&query("Observation"), &[], page, BASE).unwrap_err();
    assert_eq!(e.status(), 500);
}

#[test]
fn ignored_parameters_are_reported_once_by_name_in_an_outcome_entry() {
    let mut q = query("Observation");
    q.ignored = vec!["colour".into(), "_summary".into(), "colour".into()];
    let b = searchset(
        &q,
        &pairs(&[("colour", "violet-secret"), ("_summary", "true")]),
        SearchPage::default(),
        BASE,
    )
    .unwrap();
    let entry = &b["entry"][0];
    assert_eq!(entry["search"]["mode"], "outcome");
    let issues = entry["resource"]["issue"].as_array().unwrap();
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0]["severity"], "warning");
    assert_eq!(issues[0]["code"], "not-supported");
    assert_eq!(issues[0]["expression"][0], "colour");
    assert_eq!(issues[1]["expression"][0], "_summary");
    assert!(!entry.to_string().contains("violet-secret"));
    assert_eq!(link(&b, "self").unwrap(), format!("{BASE}/Observation"));
}

#[test]
fn summary_count_lists_no_resources_even_if_the_store_returned_some() {
    let mut q = query("Observation");
    q.summary = Some(Summary::Count);
    q.total = Some(TotalMode::Accurate);
    let page = SearchPage {
        matches: vec![row("Observation", "o1", observation("o1"))],
        total: Some(7),
        ..SearchPage::default()
    };
    let b = searchset(&q, &pairs(&[("_summary", "count")]), page, BASE).unwrap();
    assert_eq!(b["total"], 7);
    assert!(b.get("entry").is_none());
    assert_eq!(link(&b, "self").unwrap(), format!("{BASE}/Observation?_summary=count"));
}

#[test]
fn elements_keep_the_listed_ones_and_tag_matches_only() {
    let mut q = query("Observation");
    q.elements = vec!["status".into(), "value".into()];
    let page = SearchPage {
        matches: vec![row("Observation", "o1", observation("o1"))],
        included: vec![row("Patient", "p1", json!({"resourceType": "Patient", "id": "p1", "active": true}))],
        ..SearchPage::default()
    };
    let b = searchset(&q, &[], page, BASE).unwrap();
    let o = &b["entry"][0]["resource"];
    let mut keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["_status", "id", "meta", "resourceType", "status", "valueQuantity"]);
    assert_eq!(o["meta"]["versionId"], "1");
    assert_eq!(o["meta"]["tag"][0]["code"], "SUBSETTED");
    assert_eq!(o["meta"]["tag"][0]["system"], SUBSETTED_SYSTEM);
    let p = &b["entry"][1]["resource"];
    assert_eq!(p["active"], true, "included resources are whole");
    assert!(p.get("meta").is_none());
}

#[test]
fn a_choice_name_keeps_only_its_typed_forms() {
    let mut r = json!({"resourceType": "X", "code": 1, "codeFilter": 2, "valueString": "a", "valueSet": 3});
    keep_elements(&mut r, &["code".into(), "value".into()]);
    assert_eq!(r["code"], 1);
    assert!(r.get("codeFilter").is_none());
    assert!(r.get("valueSet").is_none());
    assert_eq!(r["valueString"], "a");
    // Tagging twice does not duplicate the tag.
    tag_subsetted(&mut r);
    assert_eq!(r["meta"]["tag"].as_array().unwrap().len(), 1);
}

#[test]
fn summary_data_drops_the_narrative_and_tags() {
    let mut q = query("Observation");
    q.summary = Some(Summary::Data);
    let page =
        SearchPage { matches: vec![row("Observation", "o1", observation("o1"))], ..SearchPage::default() };
    let b = searchset(&q, &[], page, BASE).unwrap();
    let o = &b["entry"][0]["resource"];
    assert!(o.get("text").is_none());
    assert_eq!(o["status"], "final");
    assert_eq!(o["meta"]["tag"][0]["code"], "SUBSETTED");
}
