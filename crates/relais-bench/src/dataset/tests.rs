use super::*;

fn dataset() -> Dataset {
    Dataset::new(100, 10_000, 500, "2026-11-25").unwrap()
}

#[test]
fn resources_are_deterministic_and_have_their_ids() {
    let data = dataset();
    for (kind, count) in data.kinds() {
        for n in [0, count / 2, count - 1] {
            let resource = data.resource(kind, n);
            assert_eq!(resource, data.resource(kind, n));
            let reference = Dataset::reference(kind, n);
            assert_eq!(
                format!(
                    "{}/{}",
                    resource["resourceType"].as_str().unwrap(),
                    resource["id"].as_str().unwrap()
                ),
                reference
            );
        }
    }
}

#[test]
fn observations_are_vital_signs_of_the_year() {
    let data = dataset();
    let codes: Vec<String> = (0..600)
        .step_by(100)
        .map(|n| {
            data.resource(Kind::Observation, n)["code"]["coding"][0]["code"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(codes, ["8867-4", "9279-1", "59408-5", "8310-5", "29463-7", "85354-9"]);
    let bp = data.resource(Kind::Observation, 500);
    assert_eq!(bp["component"][1]["valueQuantity"]["code"], "mm[Hg]");
    let heart = data.resource(Kind::Observation, 7);
    assert_eq!(heart["subject"]["reference"], "Patient/pat-7");
    assert_eq!(heart["valueQuantity"]["system"], UCUM);
    let when = heart["effectiveDateTime"].as_str().unwrap();
    assert!(("2025-11-25".."2026-11-25").contains(&when), "{when}");
}

#[test]
fn tasks_focus_on_resources_that_are_loaded() {
    let data = dataset();
    for n in 0..500 {
        let task = data.resource(Kind::Task, n);
        let focus = task["focus"]["reference"].as_str().unwrap();
        let (kind, id) = focus.split_once('/').unwrap();
        let number: u64 = id.split_once('-').unwrap().1.parse().unwrap();
        match kind {
            "ServiceRequest" => assert!(number < data.service_requests()),
            "Observation" => {
                assert!(number < data.observations);
                let observation = data.resource(Kind::Observation, number);
                assert_eq!(observation["subject"], task["for"]);
            }
            other => panic!("{other}"),
        }
    }
}

#[test]
fn plain_names_drop_accents() {
    assert_eq!(plain("Bélanger"), "belanger");
    assert_eq!(plain("Mélançon"), "melancon");
    for (family, unaccented) in FAMILIES {
        assert_eq!(plain(family), *unaccented);
    }
}
