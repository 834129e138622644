//! Search over HTTP: GET and POST `_search`, strict and lenient handling, errors, result
//! parameters, paging links and the CapabilityStatement's search section.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Answer, Harness, heart_rate, patient, read};

both_engines!(
    strict_handling_refuses_an_unknown_parameter_by_name,
    lenient_handling_ignores_and_reports_an_unknown_parameter,
    malformed_values_are_refused_naming_the_parameter,
    search_answers_a_searchset_with_a_self_link,
    post_search_with_a_form_body_finds_what_get_finds,
    summary_count_gives_the_total_and_no_entries,
    summary_true_is_refused_when_strict_and_reported_when_lenient,
    elements_subset_matches_and_tag_them,
    a_forged_cursor_is_refused,
    search_content_types_and_routes,
    a_created_observation_is_found_by_code_and_subject,
    next_links_return_every_match_once,
    capability_statement_lists_search,
);

const FORM: &str = "application/x-www-form-urlencoded";

async fn get_with(h: &Harness, path: &str, headers: &[(&str, &str)]) -> Answer {
    h.send(Method::GET, path, headers, None).await
}

async fn post_form(h: &Harness, path: &str, body: &str) -> Answer {
    h.send(Method::POST, path, &[("content-type", FORM)], Some(body.to_owned())).await
}

/// A searchset Bundle, checked for its type.
fn searchset(answer: &Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let bundle = answer.json();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "searchset");
    bundle
}

fn entries<'a>(bundle: &'a Value, mode: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .map(|a| a.iter().filter(|e| e["search"]["mode"] == mode).collect())
        .unwrap_or_default()
}

fn match_ids(bundle: &Value) -> Vec<String> {
    entries(bundle, "match").iter().map(|e| e["resource"]["id"].as_str().unwrap().to_owned()).collect()
}

fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"].as_array()?.iter().find(|l| l["relation"] == relation)?["url"].as_str().map(str::to_owned)
}

fn expression(answer: &Answer) -> String {
    answer.json()["issue"][0]["expression"][0].as_str().unwrap_or_default().to_owned()
}

async fn strict_handling_refuses_an_unknown_parameter_by_name(h: Harness) {
    let strict = [("prefer", "handling=strict")];
    let answer = get_with(&h, "/fhir/Observation?colour=violet-secret&status=final", &strict).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.error_code(), "unknown-parameter");
    assert_eq!(expression(&answer), "colour");
    assert!(!answer.text.contains("violet-secret"), "values are never echoed: {}", answer.text);
    // A parameter defined by FHIR but beyond what Relais evaluates is refused the same way.
    let unsupported = get_with(&h, "/fhir/Patient?deceased=true", &strict).await;
    assert_eq!(unsupported.status, StatusCode::BAD_REQUEST);
    assert_eq!(expression(&unsupported), "deceased");
}

async fn lenient_handling_ignores_and_reports_an_unknown_parameter(h: Harness) {
    for headers in [&[][..], &[("prefer", "handling=lenient")][..]] {
        let answer = get_with(&h, "/fhir/Observation?colour=violet-secret&status=final", headers).await;
        let bundle = searchset(&answer);
        let outcome = entries(&bundle, "outcome");
        assert_eq!(outcome.len(), 1, "{bundle}");
        let issue = &outcome[0]["resource"]["issue"][0];
        assert_eq!(issue["severity"], "warning");
        assert_eq!(issue["code"], "not-supported");
        assert_eq!(issue["expression"][0], "colour");
        assert!(!answer.text.contains("violet-secret"), "values are never echoed");
        let self_link = link(&bundle, "self").unwrap();
        assert_eq!(self_link, format!("{}/Observation?status=final", h.server().fhir()));
    }
}

async fn malformed_values_are_refused_naming_the_parameter(h: Harness) {
    for (path, parameter) in [
        ("/fhir/Observation?date=2026-13-45", "date"),
        ("/fhir/Observation?date=xx2026-01-01", "date"),
        ("/fhir/Observation?value-quantity=zz5", "value-quantity"),
        ("/fhir/Observation?_count=many", "_count"),
        ("/fhir/Patient?name:fuzzy=roy", "name:fuzzy"),
        ("/fhir/Observation?_sort=colour", "_sort"),
        ("/fhir/Observation?_include=Observation:code", "_include"),
    ] {
        let answer = h.get(path).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{path}: {}", answer.text);
        assert_eq!(answer.json()["resourceType"], "OperationOutcome");
        assert_eq!(expression(&answer), parameter, "{path}");
    }
    // Errors are collected, not stopped at the first.
    let two = h.get("/fhir/Observation?date=2026-13-45&_count=x").await;
    assert_eq!(two.json()["issue"].as_array().unwrap().len(), 2, "{}", two.text);
    let unknown_type = h.get("/fhir/UserSession?name=x").await;
    assert_eq!(unknown_type.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown_type.error_code(), "unknown-resource-type");
}

async fn search_answers_a_searchset_with_a_self_link(h: Harness) {
    let bundle = searchset(&h.get("/fhir/Patient?name=Gagn%C3%A9&_count=9000&_format=json").await);
    let fhir = h.server().fhir();
    // As understood: _count lowered to the maximum, the value percent-encoded, _format dropped.
    assert_eq!(link(&bundle, "self").unwrap(), format!("{fhir}/Patient?name=Gagn%C3%A9&_count=500"));
    let plain = searchset(&h.get("/fhir/Patient").await);
    assert_eq!(link(&plain, "self").unwrap(), format!("{fhir}/Patient"));
    assert!(entries(&plain, "outcome").is_empty(), "nothing ignored, no outcome");
}

async fn post_search_with_a_form_body_finds_what_get_finds(h: Harness) {
    let p = h.create(&patient("Formulaire", "F1")).await;
    let subject = format!("Patient/{}", p["id"].as_str().unwrap());
    for value in [70, 80, 90] {
        h.create(&heart_rate(&subject, value)).await;
    }
    let got = searchset(
        &h.get(&format!("/fhir/Observation?subject={subject}&code=http://loinc.org%7C8867-4")).await,
    );
    let posted = searchset(
        &post_form(
            &h,
            "/fhir/Observation/_search",
            &format!("subject={subject}&code=http%3A%2F%2Floinc.org%7C8867-4"),
        )
        .await,
    );
    // Parameters may be split between the URL and the body.
    let split = searchset(
        &post_form(
            &h,
            &format!("/fhir/Observation/_search?subject={subject}"),
            "code=http://loinc.org%7C8867-4",
        )
        .await,
    );
    let ids: BTreeSet<String> = match_ids(&got).into_iter().collect();
    assert_eq!(ids.len(), 3, "{got}");
    assert_eq!(match_ids(&posted).into_iter().collect::<BTreeSet<_>>(), ids);
    assert_eq!(match_ids(&split).into_iter().collect::<BTreeSet<_>>(), ids);
}

async fn summary_count_gives_the_total_and_no_entries(h: Harness) {
    for family in ["Un", "Deux"] {
        h.create(&patient(family, family)).await;
    }
    let bundle = searchset(&h.get("/fhir/Patient?_summary=count").await);
    assert_eq!(bundle["total"], 2, "{bundle}");
    assert!(entries(&bundle, "match").is_empty());
    let accurate = searchset(&h.get("/fhir/Patient?_total=accurate&_count=1").await);
    assert_eq!(accurate["total"], 2, "{accurate}");
    assert_eq!(match_ids(&accurate).len(), 1);
}

async fn summary_true_is_refused_when_strict_and_reported_when_lenient(h: Harness) {
    let strict = get_with(&h, "/fhir/Patient?_summary=true", &[("prefer", "handling=strict")]).await;
    assert_eq!(strict.status, StatusCode::BAD_REQUEST);
    assert_eq!(strict.error_code(), "unsupported-summary");
    let lenient = searchset(&h.get("/fhir/Patient?_summary=text").await);
    assert_eq!(entries(&lenient, "outcome")[0]["resource"]["issue"][0]["expression"][0], "_summary");
    assert_eq!(link(&lenient, "self").unwrap(), format!("{}/Patient", h.server().fhir()));
}

async fn elements_subset_matches_and_tag_them(h: Harness) {
    let p = h.create(&patient("Éléments", "E1")).await;
    h.create(&heart_rate(&format!("Patient/{}", p["id"].as_str().unwrap()), 64)).await;
    let bundle = searchset(&h.get("/fhir/Observation?_elements=status").await);
    let matches = entries(&bundle, "match");
    assert_eq!(matches.len(), 1, "{bundle}");
    let o = &matches[0]["resource"];
    assert_eq!(o["status"], "final");
    assert!(o.get("valueQuantity").is_none() && o.get("subject").is_none(), "{o}");
    assert!(o["id"].is_string());
    let tags = o["meta"]["tag"].as_array().unwrap();
    assert!(tags.iter().any(|t| t["code"] == "SUBSETTED"
        && t["system"] == "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"));
}

async fn a_forged_cursor_is_refused(h: Harness) {
    let answer = h.get("/fhir/Patient?_cursor=garbage").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.error_code(), "invalid-cursor");
    assert_eq!(expression(&answer), "_cursor");
}

async fn search_content_types_and_routes(h: Harness) {
    let json = h
        .send(
            Method::POST,
            "/fhir/Patient/_search",
            &[("content-type", "application/fhir+json")],
            Some("{}".into()),
        )
        .await;
    assert_eq!(json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(json.error_code(), "media-type-not-supported");
    let untyped = h.send(Method::POST, "/fhir/Patient/_search", &[], Some("name=x".into())).await;
    assert_eq!(untyped.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // With every parameter in the URL, an empty body needs no Content-Type.
    searchset(&h.send(Method::POST, "/fhir/Patient/_search?name=x", &[], None).await);
    let charset = h
        .send(
            Method::POST,
            "/fhir/Patient/_search",
            &[("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
            Some("name=x".into()),
        )
        .await;
    searchset(&charset);
    assert_eq!(h.get("/fhir/Patient/_search").await.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(h.delete("/fhir/Patient").await.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post_form(&h, "/fhir/UserSession/_search", "").await.error_code(), "unknown-resource-type");
    let pretty = h.get("/fhir/Patient?_pretty=true").await;
    assert!(pretty.text.contains("\n  "), "_pretty is the web layer's, honoured: {}", pretty.text);
    assert!(!pretty.text.contains("outcome"), "and not reported as ignored");
}

async fn a_created_observation_is_found_by_code_and_subject(h: Harness) {
    let p = h.create(&patient("Trouvée", "T1")).await;
    let other = h.create(&patient("Autre", "T2")).await;
    let mine = h.create(&heart_rate(&format!("Patient/{}", p["id"].as_str().unwrap()), 72)).await;
    h.create(&heart_rate(&format!("Patient/{}", other["id"].as_str().unwrap()), 90)).await;
    let path = format!("/fhir/Observation?subject=Patient/{}&code=8867-4", p["id"].as_str().unwrap());
    let bundle = searchset(&h.get(&path).await);
    assert_eq!(match_ids(&bundle), [mine["id"].as_str().unwrap()], "{bundle}");
    let entry = entries(&bundle, "match")[0];
    assert_eq!(
        entry["fullUrl"],
        format!("{}/Observation/{}", h.server().fhir(), mine["id"].as_str().unwrap())
    );
    assert_eq!(entry["resource"], mine, "the entry is the stored resource");
    let none = searchset(&h.get("/fhir/Observation?code=http://loinc.org%7C0000-0").await);
    assert!(match_ids(&none).is_empty());
}

async fn next_links_return_every_match_once(h: Harness) {
    let mut created = BTreeSet::new();
    for n in 0..7 {
        let p = h.create(&json!({"resourceType": "Patient", "name": [{"family": format!("Page{n}")}]})).await;
        created.insert(p["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut url = Some(h.url("/fhir/Patient?_count=3&_sort=_lastUpdated"));
    let mut pages = 0;
    while let Some(next) = url {
        let bundle = searchset(&read(h.http.get(&next).send().await.unwrap()).await);
        assert!(match_ids(&bundle).len() <= 3);
        seen.extend(match_ids(&bundle));
        url = link(&bundle, "next");
        pages += 1;
        assert!(pages <= 5, "paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), created.len(), "each resource once: {seen:?}");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), created);
}

async fn capability_statement_lists_search(h: Harness) {
    let statement = h.get("/fhir/metadata").await.json();
    let resource = |t: &str| -> Value {
        statement["rest"][0]["resource"].as_array().unwrap().iter().find(|r| r["type"] == t).unwrap().clone()
    };
    let param = |r: &Value, name: &str| -> Value {
        r["searchParam"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let observation = resource("Observation");
    assert_eq!(param(&observation, "code")["type"], "token");
    assert!(observation["interaction"].as_array().unwrap().contains(&json!({"code": "search-type"})));
    let patient = resource("Patient");
    assert_eq!(param(&patient, "name")["type"], "string");
    assert_eq!(param(&patient, "name")["definition"], "http://hl7.org/fhir/SearchParameter/Patient-name");
}
