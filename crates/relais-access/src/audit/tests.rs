use proptest::prelude::*;

use super::*;

fn draft(i: u64) -> AuditDraft {
    let i = i as i64;
    AuditDraft {
        recorded: 1_767_225_600_000_000 + i * 1_000_000,
        actor: format!("user-{}", i % 3),
        on_behalf_of: (i % 4 == 0).then(|| "patient-7".to_owned()),
        action: [action::READ, action::SEARCH, action::UPDATE, action::SIGN_IN][i as usize % 4].to_owned(),
        outcome: Outcome::ALL[i as usize % 3],
        resource_type: Some("Observation".to_owned()),
        resource_id: Some(format!("obs-{i}")),
        patient_id: Some("patient-7".to_owned()),
        query: (i % 4 == 1).then(|| "patient=patient-7&code=8867-4".to_owned()),
        source_address: Some("192.0.2.10".to_owned()),
        purpose: (i % 5 == 0).then(|| "treatment".to_owned()),
        break_glass: i % 6 == 0,
    }
}

fn chain_of(drafts: impl IntoIterator<Item = AuditDraft>) -> Vec<AuditRecord> {
    let mut chain: Vec<AuditRecord> = Vec::new();
    for d in drafts {
        let record = seal(chain.last(), d);
        chain.push(record);
    }
    chain
}

/// Ten records, seq 1 to 10; `chain[i]` has seq i + 1.
fn ten() -> Vec<AuditRecord> {
    chain_of((1..=10).map(draft))
}

fn at(chain: &mut [AuditRecord], seq: u64) -> &mut AuditRecord {
    &mut chain[seq as usize - 1]
}

/// Renumbers the records so that their seqs run 1, 2, … again, as an editor hiding a gap would.
fn renumber(chain: &mut [AuditRecord]) {
    for (i, r) in chain.iter_mut().enumerate() {
        r.seq = i as u64 + 1;
    }
}

#[test]
fn sealing_numbers_from_one_and_links_each_record_to_the_previous_hash() {
    let chain = ten();
    assert_eq!(chain[0].seq, 1);
    assert_eq!(chain[0].prev_hash, GENESIS_HASH);
    assert_eq!(GENESIS_HASH.len(), 64);
    for pair in chain.windows(2) {
        assert_eq!(pair[1].seq, pair[0].seq + 1);
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    for r in &chain {
        assert_eq!(r.hash, chain_hash(r));
        assert_eq!(r.hash.len(), 64);
        assert!(r.hash.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}

/// What each kind of tampering with a ten-record chain is reported as.
#[test]
fn tampering_is_reported_at_the_record_and_for_the_reason() {
    type Tamper = fn(&mut Vec<AuditRecord>);
    let cases: Vec<(&str, Tamper, Result<u64, ChainBreak>)> = vec![
        ("intact", |_| {}, Ok(10)),
        ("empty", |c| c.clear(), Ok(0)),
        ("actor of 5 changed", |c| at(c, 5).actor = "user-9".into(), Err(ChainBreak::Changed { seq: 5 })),
        ("time of 5 moved by 1 µs", |c| at(c, 5).recorded += 1, Err(ChainBreak::Changed { seq: 5 })),
        (
            "outcome of 5 changed",
            |c| at(c, 5).outcome = Outcome::Success,
            Err(ChainBreak::Changed { seq: 5 }),
        ),
        ("patient of 5 removed", |c| at(c, 5).patient_id = None, Err(ChainBreak::Changed { seq: 5 })),
        ("query added to 5", |c| at(c, 5).query = Some(String::new()), Err(ChainBreak::Changed { seq: 5 })),
        ("hash of 5 replaced", |c| at(c, 5).hash = GENESIS_HASH.into(), Err(ChainBreak::Changed { seq: 5 })),
        (
            "prev_hash of 5 replaced",
            |c| at(c, 5).prev_hash = GENESIS_HASH.into(),
            Err(ChainBreak::BrokenLink { seq: 5 }),
        ),
        (
            "5 deleted",
            |c| {
                c.remove(4);
            },
            Err(ChainBreak::Missing { after_seq: 4, found_seq: 6 }),
        ),
        (
            "1 and 2 deleted",
            |c| {
                c.drain(0..2);
            },
            Err(ChainBreak::Missing { after_seq: 0, found_seq: 3 }),
        ),
        (
            "5 deleted, the rest renumbered",
            |c| {
                c.remove(4);
                renumber(c);
            },
            Err(ChainBreak::BrokenLink { seq: 5 }),
        ),
        (
            "5 deleted, the rest renumbered and their own hashes recomputed",
            |c| {
                c.remove(4);
                renumber(c);
                for r in c.iter_mut() {
                    r.hash = chain_hash(r);
                }
            },
            Err(ChainBreak::BrokenLink { seq: 5 }),
        ),
        // Contents of 4 and 5 exchanged, numbers left in place: the record now numbered 4 points
        // at the old 4, not at 3. Reported at 4.
        (
            "4 and 5 swapped and renumbered",
            |c| {
                c.swap(3, 4);
                renumber(c);
            },
            Err(ChainBreak::BrokenLink { seq: 4 }),
        ),
        // Rows exchanged with their numbers: 5 comes before 4. Reported at 5, the one moved ahead.
        ("4 and 5 swapped with their numbers", |c| c.swap(3, 4), Err(ChainBreak::Reordered { seq: 5 })),
        (
            "5 duplicated",
            |c| {
                let dup = c[4].clone();
                c.insert(5, dup);
            },
            Err(ChainBreak::Reordered { seq: 5 }),
        ),
        ("5 renumbered 6", |c| at(c, 5).seq = 6, Err(ChainBreak::Missing { after_seq: 4, found_seq: 6 })),
        // The limit of a chain without an outside anchor: dropping the newest records leaves a
        // valid, shorter chain. The count (and the head hash) show it to whoever kept the head.
        (
            "10 deleted",
            |c| {
                c.pop();
            },
            Ok(9),
        ),
    ];
    for (name, tamper, expected) in cases {
        let mut chain = ten();
        tamper(&mut chain);
        assert_eq!(verify(chain), expected, "{name}");
    }
}

#[test]
fn a_fully_resealed_tail_verifies_but_its_head_no_longer_matches_the_one_kept() {
    let original = ten();
    let kept_head = original[9].hash.clone();
    // Record 5 deleted and everything after it sealed again: only an outside copy of the head
    // can tell.
    let drafts = (1..=10).filter(|i| *i != 5).map(draft);
    let rewritten = chain_of(drafts);
    assert_eq!(verify(rewritten.clone()), Ok(9));
    assert_ne!(rewritten[8].hash, kept_head);
}

#[test]
fn breaks_have_stable_codes_and_say_where() {
    let cases = [
        (ChainBreak::Changed { seq: 5 }, "audit-record-changed", 5),
        (ChainBreak::Missing { after_seq: 4, found_seq: 6 }, "audit-record-missing", 6),
        (ChainBreak::Reordered { seq: 5 }, "audit-record-reordered", 5),
        (ChainBreak::BrokenLink { seq: 4 }, "audit-link-broken", 4),
    ];
    for (brk, code, seq) in cases {
        assert_eq!(brk.code(), code);
        assert_eq!(brk.seq(), seq);
        assert!(brk.to_string().starts_with(code), "{brk}");
    }
    assert_eq!(
        ChainBreak::Missing { after_seq: 4, found_seq: 6 }.to_string(),
        "audit-record-missing: after record 4 comes record 6"
    );
}

#[test]
fn outcome_codes_round_trip() {
    for o in Outcome::ALL {
        assert_eq!(Outcome::from_code(o.code()), Some(o));
    }
    assert_eq!(Outcome::from_code("Success"), None);
}

/// The layout is a contract with stored data and any independent verifier: this pins it byte for
/// byte, so changing it by accident fails here.
#[test]
fn canonical_bytes_follow_the_documented_layout() {
    let record = seal(
        None,
        AuditDraft {
            recorded: -1,
            actor: "u".into(),
            on_behalf_of: None,
            action: "read".into(),
            outcome: Outcome::Denied,
            resource_type: Some("Patient".into()),
            resource_id: Some(String::new()),
            patient_id: None,
            query: None,
            source_address: None,
            purpose: None,
            break_glass: false,
        },
    );
    let s = |text: &str| [&(text.len() as u64).to_be_bytes()[..], text.as_bytes()].concat();
    let expected = [
        s("relais-audit-v1"),
        1u64.to_be_bytes().to_vec(),
        vec![0xff; 8],
        s("u"),
        vec![0],
        s("read"),
        s("denied"),
        [vec![1], s("Patient")].concat(),
        [vec![1], s("")].concat(),
        vec![0, 0, 0, 0],
    ]
    .concat();
    assert_eq!(canonical_bytes(&record), expected);
    let hashed = [s(GENESIS_HASH), expected].concat();
    use sha2::Digest;
    assert_eq!(record.hash, data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&hashed)));
    // A break-the-glass access adds one byte 1 at the end, nothing else.
    let flagged = AuditRecord { break_glass: true, ..record };
    assert_eq!(canonical_bytes(&flagged), [expected_plain(&flagged), vec![1]].concat());
}

/// The v1 bytes of `record` without its break-the-glass flag: what a record sealed before the
/// flag existed encodes to.
fn expected_plain(record: &AuditRecord) -> Vec<u8> {
    canonical_bytes(&AuditRecord { break_glass: false, ..record.clone() })
}

#[test]
fn records_that_plain_concatenation_would_confuse_encode_differently() {
    let base = seal(None, draft(1));
    let with = |f: fn(&mut AuditRecord)| {
        let mut r = base.clone();
        f(&mut r);
        canonical_bytes(&r)
    };
    let pairs = [
        // Text moved across the boundary between two adjacent fields.
        (
            with(|r| {
                r.actor = "ab".into();
                r.on_behalf_of = Some("c".into())
            }),
            with(|r| {
                r.actor = "a".into();
                r.on_behalf_of = Some("bc".into())
            }),
        ),
        // Absent versus empty.
        (with(|r| r.purpose = None), with(|r| r.purpose = Some(String::new()))),
        // The same value in a different optional field.
        (
            with(|r| {
                r.query = Some("x".into());
                r.purpose = None
            }),
            with(|r| {
                r.query = None;
                r.purpose = Some("x".into())
            }),
        ),
    ];
    for (a, b) in pairs {
        assert_ne!(a, b);
    }
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(".{0,12}")
}

prop_compose! {
    fn any_draft()(
        recorded in any::<i64>(),
        actor in ".{0,12}",
        on_behalf_of in opt_text(),
        action in "[a-z-]{1,14}",
        outcome in prop::sample::select(Outcome::ALL.to_vec()),
        resource_type in opt_text(),
        resource_id in opt_text(),
        patient_id in opt_text(),
        query in opt_text(),
        source_address in opt_text(),
        purpose in opt_text(),
        break_glass in any::<bool>(),
    ) -> AuditDraft {
        AuditDraft { recorded, actor, on_behalf_of, action, outcome, resource_type, resource_id,
            patient_id, query, source_address, purpose, break_glass }
    }
}

const FIELDS: usize = 15;

/// Changes field number `field` of `r` to a different value; returns whether the field is part of
/// the hashed contents (as opposed to `seq`, `prev_hash` and `hash`, the chain's own bookkeeping).
fn change_field(r: &mut AuditRecord, field: usize) -> bool {
    let flip = |o: &mut Option<String>| {
        *o = match o.take() {
            None => Some(String::new()),
            Some(_) => None,
        }
    };
    let next = |o: Outcome| Outcome::ALL[(Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0) + 1) % 3];
    match field {
        0 => {
            r.seq = r.seq.wrapping_add(1);
            return false;
        }
        1 => r.recorded = r.recorded.wrapping_add(1),
        2 => r.actor.push('x'),
        3 => flip(&mut r.on_behalf_of),
        4 => r.action.push('x'),
        5 => r.outcome = next(r.outcome),
        6 => flip(&mut r.resource_type),
        7 => flip(&mut r.resource_id),
        8 => flip(&mut r.patient_id),
        9 => flip(&mut r.query),
        10 => flip(&mut r.source_address),
        11 => flip(&mut r.purpose),
        12 => r.break_glass = !r.break_glass,
        13 => {
            r.prev_hash.replace_range(0..1, if r.prev_hash.starts_with('0') { "1" } else { "0" });
            return false;
        }
        _ => {
            r.hash.replace_range(0..1, if r.hash.starts_with('0') { "1" } else { "0" });
            return false;
        }
    }
    true
}

proptest! {
    /// Whatever the records hold, changing any one field of any one record is detected, and a
    /// change to the contents is reported as exactly that record changed.
    #[test]
    fn any_single_field_change_is_detected(
        drafts in prop::collection::vec(any_draft(), 1..12),
        pick in any::<prop::sample::Index>(),
        field in 0..FIELDS,
    ) {
        let mut chain = chain_of(drafts);
        prop_assert_eq!(verify(chain.clone()), Ok(chain.len() as u64));
        let i = pick.index(chain.len());
        let seq = chain[i].seq;
        let content = change_field(&mut chain[i], field);
        let result = verify(chain);
        prop_assert!(result.is_err(), "field {} of record {} changed unnoticed", field, seq);
        if content {
            prop_assert_eq!(result, Err(ChainBreak::Changed { seq }));
        } else {
            prop_assert!(result.as_ref().is_err_and(|b| b.seq() >= seq && b.seq() <= seq + 1), "{:?}", result);
        }
    }
}
