//! Paging while resources are written: a client pages through `Observation?subject=…&_sort=date
//! &_count=5` while another creates Observations for the same patient, some dated before, some
//! between and some after the ones already there. Every Observation that existed before paging
//! began appears exactly once, in date order, and no page repeats an id.

use std::time::Duration;

use serde_json::{Value, json};

use super::run::get_absolute;
use crate::both_engines;
use crate::support::Harness;

both_engines!(paging_under_concurrent_writes);

fn observation(id: Option<&str>, day: u32, hour: u32) -> Value {
    let mut o = json!({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": "Patient/pt-pages"},
        "effectiveDateTime": format!("2026-01-{day:02}T{hour:02}:00:00Z"),
        "valueQuantity": {"value": 60 + day, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}
    });
    if let Some(id) = id {
        o["id"] = json!(id);
    }
    o
}

fn ids_of(page: &Value) -> Vec<String> {
    page["entry"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|e| e["search"]["mode"] == "match")
        .map(|e| e["resource"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn next_link(page: &Value) -> Option<String> {
    page["link"].as_array()?.iter().find(|l| l["relation"] == "next")?["url"].as_str().map(str::to_owned)
}

async fn paging_under_concurrent_writes(h: Harness) {
    let patient = json!({"resourceType": "Patient", "id": "pt-pages", "name": [{"family": "Pages"}]});
    let put = h.put("/fhir/Patient/pt-pages", &patient).await;
    assert_eq!(put.status, reqwest::StatusCode::CREATED, "{}", put.text);
    // 24 before paging: days 2..=25 at noon, and two on day 10 at the same instant (a tie).
    let mut existing: Vec<String> = Vec::new();
    let mut entries = Vec::new();
    for day in 2..=25u32 {
        let id = format!("ob-page-{day:02}");
        entries.push(json!({"resource": observation(Some(&id), day, 12), "request": {"method": "PUT", "url": format!("Observation/{id}")}}));
        existing.push(id);
    }
    let tie = "ob-page-10b".to_owned();
    entries.push(json!({"resource": observation(Some(&tie), 10, 12), "request": {"method": "PUT", "url": format!("Observation/{tie}")}}));
    existing.push(tie);
    let answer =
        h.post("/fhir", &json!({"resourceType": "Bundle", "type": "transaction", "entry": entries})).await;
    assert_eq!(answer.status, 200, "{}", answer.text);

    let writer = async {
        let mut created = Vec::new();
        // Before, among and after the existing ones; ties with existing instants too.
        for (i, (day, hour)) in [(1, 0), (12, 12), (26, 0), (5, 6), (10, 12), (28, 23), (15, 13), (2, 12)]
            .into_iter()
            .cycle()
            .take(24)
            .enumerate()
        {
            let created_now = h.create(&observation(None, day, hour)).await;
            created.push(created_now["id"].as_str().unwrap().to_owned());
            tokio::time::sleep(Duration::from_millis(5 + (i as u64 % 3) * 10)).await;
        }
        created
    };
    let reader = async {
        let mut pages: Vec<Vec<String>> = Vec::new();
        let mut url = h.url("/fhir/Observation?subject=Patient/pt-pages&_sort=date&_count=5");
        for _ in 0..40 {
            let answer = get_absolute(&h, &url, false).await;
            assert_eq!(answer.status, 200, "{}", answer.text);
            let page = answer.json();
            let ids = ids_of(&page);
            assert!(ids.len() <= 5, "a page of {} with _count=5", ids.len());
            pages.push(ids);
            tokio::time::sleep(Duration::from_millis(20)).await;
            match next_link(&page) {
                Some(next) => url = next,
                None => break,
            }
        }
        pages
    };
    let (created, pages) = futures::join!(writer, reader);
    let seen: Vec<&String> = pages.iter().flatten().collect();
    let mut problems = Vec::new();
    for id in &existing {
        let n = seen.iter().filter(|s| **s == id).count();
        if n != 1 {
            problems.push(format!("{id} (there before paging) seen {n} times"));
        }
    }
    let mut once = std::collections::BTreeSet::new();
    for id in &seen {
        if !once.insert(*id) {
            problems.push(format!("{id} repeated"));
        }
        if !existing.contains(id) && !created.contains(id) {
            problems.push(format!("{id} is not an Observation of the patient"));
        }
    }
    // The ones there before keep their order: by date, the tie on day 10 by id.
    let mut expected_order = existing.clone();
    expected_order.sort();
    let order: Vec<&String> = seen.iter().copied().filter(|id| existing.contains(id)).collect();
    if order != expected_order.iter().collect::<Vec<_>>() {
        problems.push(format!("order of the existing ones: {order:?}"));
    }
    assert!(problems.is_empty(), "{} pages {pages:?}:\n{}", pages.len(), problems.join("\n"));
}
