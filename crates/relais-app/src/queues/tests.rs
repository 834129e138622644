use serde_json::json;

use super::*;

fn at(text: &str) -> Option<Timestamp> {
    Some(text.parse().unwrap())
}

fn task(id: &str, priority: Priority, due: Option<&str>, authored: &str) -> QueueItem {
    QueueItem {
        id: id.to_owned(),
        version: 1,
        title: id.to_owned(),
        priority,
        status: "requested".to_owned(),
        due: due.and_then(at),
        authored: at(authored),
        patient: None,
        owner: None,
    }
}

fn ids(items: &[QueueItem]) -> Vec<&str> {
    items.iter().map(|i| i.id.as_str()).collect()
}

#[test]
fn a_queue_is_ordered_by_clinical_priority_then_due_time_then_age() {
    let mut items = vec![
        task("routine-soon", Priority::Routine, Some("2026-11-26T10:00:00Z"), "2026-11-20T08:00:00Z"),
        task("urgent-late", Priority::Urgent, Some("2026-11-27T10:00:00Z"), "2026-11-25T08:00:00Z"),
        task("stat", Priority::Stat, None, "2026-11-26T08:00:00Z"),
        task("urgent-soon", Priority::Urgent, Some("2026-11-26T12:00:00Z"), "2026-11-25T09:00:00Z"),
        task("asap", Priority::Asap, None, "2026-11-24T08:00:00Z"),
        task("urgent-undated-old", Priority::Urgent, None, "2026-11-01T08:00:00Z"),
        task("urgent-undated-new", Priority::Urgent, None, "2026-11-02T08:00:00Z"),
    ];
    sort(&mut items, QueueSort::Priority);
    assert_eq!(
        ids(&items),
        [
            "stat",
            "asap",
            "urgent-soon",
            "urgent-late",
            "urgent-undated-old",
            "urgent-undated-new",
            "routine-soon"
        ]
    );
    sort(&mut items, QueueSort::Due);
    assert_eq!(&ids(&items)[..3], ["routine-soon", "urgent-soon", "urgent-late"]);
    assert_eq!(&ids(&items)[3..5], ["stat", "asap"], "undated last, by priority");
    sort(&mut items, QueueSort::Newest);
    assert_eq!(ids(&items)[0], "stat");
    assert_eq!(*ids(&items).last().unwrap(), "urgent-undated-old");
}

#[test]
fn items_are_read_from_the_searchset_with_their_patient_and_owner_named() {
    let bundle = json!({"resourceType": "Bundle", "entry": [
        {"search": {"mode": "match"}, "resource": {
            "resourceType": "Task", "id": "t1", "meta": {"versionId": "3"}, "status": "accepted",
            "intent": "order", "priority": "urgent", "description": "Rappeler pour poids en hausse",
            "for": {"reference": "Patient/p1"}, "owner": {"reference": "Practitioner/n1"},
            "authoredOn": "2026-11-25T14:00:00Z", "restriction": {"period": {"end": "2026-11-26"}}}},
        {"search": {"mode": "match"}, "resource": {
            "resourceType": "Task", "id": "t2", "meta": {"versionId": "1"}, "status": "requested",
            "intent": "order", "code": {"coding": [{"display": "Avis dermatologique"}]},
            "for": {"reference": "Patient/p2", "display": "P. Inconnu"}}},
        {"search": {"mode": "include"}, "resource": {
            "resourceType": "Patient", "id": "p1", "name": [{"family": "Gagné", "given": ["Léa", "M."]}]}},
        {"search": {"mode": "include"}, "resource": {
            "resourceType": "Practitioner", "id": "n1", "name": [{"text": "Camille Roy"}]}},
        {"search": {"mode": "include"}, "resource": {"resourceType": "Task", "id": "not-a-match", "status": "requested"}}
    ]});
    let items = item::items_of(&bundle);
    assert_eq!(items.len(), 2, "included resources are not items");
    let first = &items[0];
    assert_eq!((first.id.as_str(), first.version, first.status.as_str()), ("t1", 3, "accepted"));
    assert_eq!(first.title, "Rappeler pour poids en hausse");
    assert_eq!(first.priority, Priority::Urgent);
    assert_eq!(first.patient, Some(("p1".to_owned(), "Léa M. Gagné".to_owned())));
    assert_eq!(first.owner, Some(("n1".to_owned(), "Camille Roy".to_owned())));
    assert_eq!(first.due, at("2026-11-26T00:00:00Z"), "a due date alone is that day's start");
    let second = &items[1];
    assert_eq!((second.title.as_str(), second.priority), ("Avis dermatologique", Priority::Routine));
    assert_eq!(second.patient, Some(("p2".to_owned(), "P. Inconnu".to_owned())), "the reference's display");
    assert_eq!(second.owner, None);
}
