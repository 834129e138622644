//! create, read, vread, update, delete, history, conditional create, Prefer and formats.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both_engines;
use crate::support::{FHIR_JSON, Harness, heart_rate, patient, without_server_fields};

both_engines!(
    large_bodies_are_stored_and_checked_like_small_ones,
    create_assigns_an_id_and_answers_201_with_headers,
    read_vread_and_version_headers,
    update_with_if_match_and_stale_version,
    update_as_create_uses_the_url_id,
    delete_then_read_answers_410_and_history_keeps_everything,
    history_pages_with_next_links,
    conditional_create_makes_one_resource,
    prefer_header_chooses_the_body,
    format_and_pretty,
);

async fn create_assigns_an_id_and_answers_201_with_headers(h: Harness) {
    let mut sent = patient("Gagné", "GAGL48031499");
    sent["id"] = json!("chosen-by-client");
    sent["meta"] =
        json!({"versionId": "42", "lastUpdated": "2001-01-01T00:00:00Z", "tag": [{"code": "demo"}]});
    let answer = h.post("/fhir/Patient", &sent).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let stored = answer.json();
    let id = stored["id"].as_str().unwrap();
    assert_ne!(id, "chosen-by-client", "the server assigns the id on create");
    assert_eq!(stored["meta"]["versionId"], "1");
    assert_eq!(
        stored["meta"]["tag"][0]["code"], "demo",
        "client meta other than version/lastUpdated is kept"
    );
    assert_ne!(stored["meta"]["lastUpdated"], "2001-01-01T00:00:00Z");
    assert_eq!(
        answer.header("location"),
        Some(format!("{}/Patient/{id}/_history/1", h.server().fhir()).as_str())
    );
    assert_eq!(answer.header("etag"), Some("W/\"1\""));
    assert!(answer.header("last-modified").unwrap().ends_with("GMT"));
    assert!(answer.header("content-type").unwrap().starts_with(FHIR_JSON));
    assert_eq!(stored["name"][0]["family"], "Gagné");
}

async fn read_vread_and_version_headers(h: Harness) {
    let created = h.create(&patient("Tremblay", "TREJ01")).await;
    let id = created["id"].as_str().unwrap();
    let read = h.get(&format!("/fhir/Patient/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json(), created);
    assert_eq!(read.header("etag"), Some("W/\"1\""));
    let vread = h.get(&format!("/fhir/Patient/{id}/_history/1")).await;
    assert_eq!(vread.json(), created);
    assert_eq!(h.get(&format!("/fhir/Patient/{id}/_history/2")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.get(&format!("/fhir/Patient/{id}/_history/abc")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.get("/fhir/Patient/does-not-exist").await.error_code(), "not-found");
}

async fn update_with_if_match_and_stale_version(h: Harness) {
    let created = h.create(&patient("Roy", "ROY1")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let mut changed = created.clone();
    changed["name"][0]["family"] = json!("Roy-Bélanger");
    let ok = h.put_if_match(&format!("/fhir/Patient/{id}"), &changed, "W/\"1\"").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json()["meta"]["versionId"], "2");
    assert_eq!(ok.header("etag"), Some("W/\"2\""));
    // A client still holding version 1 must not overwrite version 2.
    changed["name"][0]["family"] = json!("Stale");
    let stale = h.put_if_match(&format!("/fhir/Patient/{id}"), &changed, "W/\"1\"").await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.error_code(), "version-mismatch");
    let now = h.get(&format!("/fhir/Patient/{id}")).await.json();
    assert_eq!(now["name"][0]["family"], "Roy-Bélanger");
    assert_eq!(now["meta"]["versionId"], "2");
    // The first version is still there, unchanged.
    let v1 = h.get(&format!("/fhir/Patient/{id}/_history/1")).await.json();
    assert_eq!(v1["name"][0]["family"], "Roy");
    let bad = h.put_if_match(&format!("/fhir/Patient/{id}"), &changed, "yesterday").await;
    assert_eq!(bad.error_code(), "invalid-if-match");
}

async fn update_as_create_uses_the_url_id(h: Harness) {
    let mut p = patient("Côté", "COTE1");
    p["id"] = json!("cote-1");
    let created = h.put("/fhir/Patient/cote-1", &p).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json()["id"], "cote-1");
    assert!(created.header("location").unwrap().ends_with("/fhir/Patient/cote-1/_history/1"));
    let updated = h.put("/fhir/Patient/cote-1", &p).await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.json()["meta"]["versionId"], "2");
}

async fn delete_then_read_answers_410_and_history_keeps_everything(h: Harness) {
    let created = h.create(&heart_rate("Patient/x", 80)).await;
    let id = created["id"].as_str().unwrap();
    let stale =
        h.send(Method::DELETE, &format!("/fhir/Observation/{id}"), &[("if-match", "W/\"7\"")], None).await;
    assert_eq!(
        (stale.status, stale.error_code()),
        (StatusCode::PRECONDITION_FAILED, "version-mismatch".into())
    );
    assert_eq!(
        h.get(&format!("/fhir/Observation/{id}")).await.status,
        StatusCode::OK,
        "a stale If-Match deletes nothing"
    );
    let deleted =
        h.send(Method::DELETE, &format!("/fhir/Observation/{id}"), &[("if-match", "W/\"1\"")], None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(deleted.header("etag"), Some("W/\"2\""));
    let gone = h.get(&format!("/fhir/Observation/{id}")).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert_eq!(gone.error_code(), "deleted");
    assert_eq!(h.get(&format!("/fhir/Observation/{id}/_history/2")).await.status, StatusCode::GONE);
    assert_eq!(h.get(&format!("/fhir/Observation/{id}/_history/1")).await.json(), created);
    // Deleting again changes nothing; deleting what never existed is 404.
    assert_eq!(h.delete(&format!("/fhir/Observation/{id}")).await.status, StatusCode::OK);
    assert_eq!(h.delete("/fhir/Observation/never-was").await.status, StatusCode::NOT_FOUND);
    let history = h.get(&format!("/fhir/Observation/{id}/_history")).await.json();
    assert_eq!(history["type"], "history");
    let entries = history["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["request"]["method"], "DELETE");
    assert!(entries[0].get("resource").is_none());
    assert_eq!(entries[1]["request"]["method"], "POST");
    assert_eq!(entries[1]["resource"], created);
    // Re-creating a deleted resource with PUT brings it back as a new version.
    let mut again = created.clone();
    again["valueQuantity"]["value"] = json!(81);
    let back = h.put(&format!("/fhir/Observation/{id}"), &again).await;
    assert_eq!(back.status, StatusCode::CREATED);
    assert_eq!(back.json()["meta"]["versionId"], "3");
}

async fn history_pages_with_next_links(h: Harness) {
    let first = h.create(&patient("Page", "PAGE1")).await;
    let id = first["id"].as_str().unwrap();
    for v in 0..4 {
        let mut p = first.clone();
        p["name"][0]["given"] = json!([format!("v{v}")]);
        assert_eq!(h.put(&format!("/fhir/Patient/{id}"), &p).await.status, StatusCode::OK);
    }
    let mut seen = Vec::new();
    // Page through the type history: the writes between pages land in the same list, so an
    // offset-based page would shift and repeat entries.
    let mut next = Some(format!("{}/Patient/_history?_count=2", h.server().fhir()));
    while let Some(url) = next {
        let page = crate::support::read(h.http.get(&url).send().await.unwrap()).await.json();
        for entry in page["entry"].as_array().unwrap() {
            seen.push(entry["resource"]["meta"]["versionId"].as_str().unwrap().to_owned());
        }
        next = page["link"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["relation"] == "next")
            .map(|l| l["url"].as_str().unwrap().to_owned());
        // Writes between pages must not shift what the next page holds.
        if seen.len() == 2 {
            h.create(&patient("Other", "OTHER1")).await;
            h.create(&patient("Another", "OTHER2")).await;
        }
    }
    assert_eq!(seen, ["5", "4", "3", "2", "1"]);
    let type_history = h.get("/fhir/Patient/_history?_count=100").await.json();
    assert_eq!(type_history["entry"].as_array().unwrap().len(), 7);
    let system = h.get("/fhir/_history").await.json();
    assert_eq!(system["entry"].as_array().unwrap().len(), 7);
    let since = h.get("/fhir/Patient/_history?_since=2999-01-01T00:00:00Z").await.json();
    assert_eq!(since["entry"].as_array().unwrap().len(), 0);
    assert_eq!(h.get("/fhir/Patient/_history?_since=yesterday").await.error_code(), "invalid-parameter");
    assert_eq!(h.get("/fhir/Patient/_history?_at=2026").await.error_code(), "unsupported-parameter");
    assert_eq!(h.get("/fhir/Patient/nobody/_history").await.status, StatusCode::NOT_FOUND);
}

async fn conditional_create_makes_one_resource(h: Harness) {
    let p = patient("Lavoie", "LAVM55");
    let condition = "identifier=https://relais.example/ramq|LAVM55";
    let headers = [("content-type", FHIR_JSON), ("if-none-exist", condition)];
    let send = || h.send(Method::POST, "/fhir/Patient", &headers, Some(p.to_string()));
    let first = send().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let second = send().await;
    assert_eq!(second.status, StatusCode::OK, "an existing match is returned, not duplicated");
    assert_eq!(second.json()["id"], first.json()["id"]);
    // Concurrent identical conditional creates still make exactly one resource.
    let q = patient("Parallèle", "PAR1");
    let headers =
        [("content-type", FHIR_JSON), ("if-none-exist", "identifier=https://relais.example/ramq|PAR1")];
    let tasks: Vec<_> =
        (0..8).map(|_| h.send(Method::POST, "/fhir/Patient", &headers, Some(q.to_string()))).collect();
    let answers = futures::future::join_all(tasks).await;
    let created = answers.iter().filter(|a| a.status == StatusCode::CREATED).count();
    assert_eq!(created, 1, "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    assert!(answers.iter().all(|a| a.status == StatusCode::CREATED || a.status == StatusCode::OK));
    let ids: std::collections::HashSet<_> =
        answers.iter().map(|a| a.json()["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 1);
    let unsupported = h
        .send(
            Method::POST,
            "/fhir/Patient",
            &[("content-type", FHIR_JSON), ("if-none-exist", "name=Lavoie")],
            Some(p.to_string()),
        )
        .await;
    assert_eq!(unsupported.status, StatusCode::BAD_REQUEST);
    assert_eq!(unsupported.error_code(), "unsupported-condition");
}

async fn prefer_header_chooses_the_body(h: Harness) {
    let p = patient("Prefer", "PREF1");
    let minimal = h
        .send(
            Method::POST,
            "/fhir/Patient",
            &[("content-type", FHIR_JSON), ("prefer", "return=minimal")],
            Some(p.to_string()),
        )
        .await;
    assert_eq!(minimal.status, StatusCode::CREATED);
    assert!(minimal.text.is_empty());
    assert!(minimal.header("location").is_some());
    let outcome = h
        .send(
            Method::POST,
            "/fhir/Patient",
            &[("content-type", FHIR_JSON), ("prefer", "return=OperationOutcome")],
            Some(p.to_string()),
        )
        .await;
    assert_eq!(outcome.status, StatusCode::CREATED);
    assert_eq!(outcome.json()["resourceType"], "OperationOutcome");
    assert_eq!(outcome.json()["issue"][0]["severity"], "information");
    let full = h
        .send(
            Method::POST,
            "/fhir/Patient",
            &[("content-type", FHIR_JSON), ("prefer", "return=representation")],
            Some(p.to_string()),
        )
        .await;
    assert_eq!(without_server_fields(full.json()), p);
}

async fn format_and_pretty(h: Harness) {
    let created = h.create(&patient("Format", "FMT1")).await;
    let id = created["id"].as_str().unwrap();
    let pretty = h.get(&format!("/fhir/Patient/{id}?_pretty=true")).await;
    assert!(pretty.text.contains("\n  \"resourceType\": \"Patient\""), "{}", pretty.text);
    assert_eq!(pretty.json(), created);
    assert_eq!(h.get(&format!("/fhir/Patient/{id}?_format=json")).await.status, StatusCode::OK);
    assert_eq!(
        h.get(&format!("/fhir/Patient/{id}?_format=application/fhir%2Bjson")).await.status,
        StatusCode::OK
    );
    let xml = h.get(&format!("/fhir/Patient/{id}?_format=xml")).await;
    assert_eq!(xml.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(xml.error_code(), "format-not-supported");
    let accept_xml = h
        .send(Method::GET, &format!("/fhir/Patient/{id}"), &[("accept", "application/fhir+xml")], None)
        .await;
    assert_eq!(accept_xml.status, StatusCode::NOT_ACCEPTABLE);
    let browser =
        h.send(Method::GET, &format!("/fhir/Patient/{id}"), &[("accept", "text/html,*/*;q=0.8")], None).await;
    assert_eq!(browser.status, StatusCode::OK);
    let plain_json = h
        .send(
            Method::POST,
            "/fhir/Patient",
            &[("content-type", "application/json")],
            Some(patient("J", "J1").to_string()),
        )
        .await;
    assert_eq!(plain_json.status, StatusCode::CREATED);
}

/// Bodies over 256 KB are parsed and validated on the blocking pool: same results.
async fn large_bodies_are_stored_and_checked_like_small_ones(h: Harness) {
    let binary =
        json!({"resourceType": "Binary", "contentType": "image/jpeg", "data": "QUJD".repeat(100_000)});
    let created = h.create(&binary).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(without_server_fields(h.get(&format!("/fhir/Binary/{id}")).await.json()), binary);
    let mut bad = binary.clone();
    bad["colour"] = json!("red");
    let refused = h.post("/fhir/Binary", &bad).await;
    assert_eq!((refused.status, refused.error_code()), (StatusCode::BAD_REQUEST, "unknown-element".into()));
    let mut binary_put = created.clone();
    binary_put["contentType"] = json!("image/png");
    assert_eq!(h.put(&format!("/fhir/Binary/{id}"), &binary_put).await.status, StatusCode::OK);
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:b", "resource": binary, "request": {"method": "POST", "url": "Binary"}}]});
    let answer = h.post("/fhir", &bundle).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", &answer.text[..200.min(answer.text.len())]);
    assert_eq!(answer.json()["entry"][0]["response"]["status"], "201 Created");
}
