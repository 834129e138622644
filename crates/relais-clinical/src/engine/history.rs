//! A patient's readings and answers placed by measurement time, duplicates removed, grouped
//! the way rules ask for them.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;

use super::{Answer, Reading};

pub(super) struct History<'a> {
    /// Per code, oldest first.
    readings: HashMap<&'a str, Vec<&'a Reading>>,
    /// Per (questionnaire, item), oldest first.
    answers: HashMap<(&'a str, &'a str), Vec<&'a Answer>>,
    /// Per questionnaire, the latest response.
    responses: HashMap<&'a str, &'a Answer>,
}

impl<'a> History<'a> {
    pub fn new(readings: &'a [Reading], answers: &'a [Answer]) -> Self {
        let mut by_code: HashMap<&str, Vec<&Reading>> = HashMap::new();
        for reading in readings {
            by_code.entry(reading.code.as_str()).or_default().push(reading);
        }
        for list in by_code.values_mut() {
            // Late and out-of-order readings take their place by measurement time; the id breaks
            // ties so the order never depends on arrival.
            list.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
            let mut seen_ids = HashSet::new();
            let mut kept: Vec<&Reading> = Vec::with_capacity(list.len());
            for reading in list.iter() {
                let same_measurement =
                    kept.iter().rev().take_while(|k| k.at == reading.at).any(|k| k.value == reading.value);
                if seen_ids.insert(reading.id.as_str()) && !same_measurement {
                    kept.push(reading);
                }
            }
            *list = kept;
        }
        let mut by_item: HashMap<(&str, &str), Vec<&Answer>> = HashMap::new();
        let mut responses: HashMap<&str, &Answer> = HashMap::new();
        for answer in answers {
            by_item.entry((answer.questionnaire.as_str(), answer.item.as_str())).or_default().push(answer);
            let latest = responses.entry(answer.questionnaire.as_str()).or_insert(answer);
            if answer.at > latest.at {
                *latest = answer;
            }
        }
        for list in by_item.values_mut() {
            list.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        }
        Self { readings: by_code, answers: by_item, responses }
    }

    /// Readings of `code`, oldest first.
    pub fn readings(&self, code: &str) -> &[&'a Reading] {
        self.readings.get(code).map_or(&[], Vec::as_slice)
    }

    /// The latest reading of `code`.
    pub fn latest(&self, code: &str) -> Option<&'a Reading> {
        self.readings(code).last().copied()
    }

    /// The readings of `code` measured in `[from, latest]`, oldest first.
    pub fn since(&self, code: &str, from: Timestamp) -> &[&'a Reading] {
        let all = self.readings(code);
        let start = all.partition_point(|r| r.at < from);
        all.get(start..).unwrap_or(&[])
    }

    /// The latest answer to a question, if given at or after `from`.
    pub fn answer(&self, questionnaire: &str, item: &str, from: Timestamp) -> Option<&'a Answer> {
        self.answers
            .get(&(questionnaire, item))
            .and_then(|list| list.last())
            .copied()
            .filter(|a| a.at >= from)
    }

    /// The latest response to a questionnaire.
    pub fn latest_response(&self, questionnaire: &str) -> Option<&'a Answer> {
        self.responses.get(questionnaire).copied()
    }
}
