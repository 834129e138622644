//! NEWS2 (Royal College of Physicians, 2017): the score of each parameter, the total (0–20) and
//! the clinical-risk band, exactly as the table in the shared domain reference (§2.2).
//!
//! Values are rounded before scoring the way the chart is read: temperature to the nearest
//! tenth of a degree, every other parameter to the nearest whole number, so a device that sends
//! 90.4 bpm scores like 90.

use serde::{Deserialize, Serialize};

/// The LOINC codes NEWS2 reads (§2.1).
pub mod codes {
    /// Respiratory rate, /min.
    pub const RESPIRATORY_RATE: &str = "9279-1";
    /// SpO2 by pulse oximetry, %.
    pub const SPO2: &str = "59408-5";
    /// Systolic blood pressure, mm[Hg].
    pub const SYSTOLIC: &str = "8480-6";
    /// Heart rate, /min.
    pub const PULSE: &str = "8867-4";
    /// Body temperature, Cel.
    pub const TEMPERATURE: &str = "8310-5";
    /// Every code with its name, for messages.
    pub const ALL: [(&str, &str); 5] = [
        (RESPIRATORY_RATE, "respiratory rate"),
        (SPO2, "SpO2"),
        (SYSTOLIC, "systolic blood pressure"),
        (PULSE, "pulse"),
        (TEMPERATURE, "temperature"),
    ];
}

/// Which SpO2 scale: Scale 2 only when a clinician documented a hypercapnic target of 88–92 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SpO2Scale {
    /// The usual scale.
    #[default]
    Scale1,
    /// Hypercapnic respiratory failure (target 88–92 %).
    Scale2,
}

/// ACVPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Consciousness {
    /// Alert.
    Alert,
    /// New confusion, or responds only to voice or pain, or unresponsive.
    NewConfusionOrWorse,
}

/// One set of observations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vitals {
    /// Breaths per minute.
    pub respiratory_rate: f64,
    /// SpO2, %.
    pub spo2: f64,
    /// Which SpO2 scale applies to this patient.
    pub scale: SpO2Scale,
    /// On supplemental oxygen (rather than air).
    pub on_oxygen: bool,
    /// Systolic blood pressure, mm Hg.
    pub systolic: f64,
    /// Pulse, per minute.
    pub pulse: f64,
    /// ACVPU.
    pub consciousness: Consciousness,
    /// Temperature, °C.
    pub temperature: f64,
}

/// The clinical-risk band, ordered low < low-medium < medium < high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Band {
    /// Total 0–4 with no single parameter at 3.
    Low,
    /// A single parameter scores 3 (total under 5).
    LowMedium,
    /// Total 5–6.
    Medium,
    /// Total 7 or more.
    High,
}

impl Band {
    /// The band's name in program files.
    pub fn code(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::LowMedium => "low-medium",
            Band::Medium => "medium",
            Band::High => "high",
        }
    }

    /// The band named in a program file.
    pub fn from_code(code: &str) -> Option<Self> {
        [Band::Low, Band::LowMedium, Band::Medium, Band::High].into_iter().find(|b| b.code() == code)
    }
}

/// The score of each parameter, its total and band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct News2 {
    pub respiratory_rate: u8,
    pub spo2: u8,
    pub air_or_oxygen: u8,
    pub systolic: u8,
    pub pulse: u8,
    pub consciousness: u8,
    pub temperature: u8,
    /// 0–20.
    pub total: u8,
    pub band: Band,
}

fn whole(x: f64) -> f64 {
    x.round()
}

fn tenth(x: f64) -> f64 {
    // The small nudge keeps 36.05 from becoming 36.0 through binary representation.
    ((x * 10.0) + 1e-9).round() / 10.0
}

fn respiratory_rate(x: f64) -> u8 {
    match whole(x) {
        x if x <= 8.0 => 3,
        x if x <= 11.0 => 1,
        x if x <= 20.0 => 0,
        x if x <= 24.0 => 2,
        _ => 3,
    }
}

fn spo2(x: f64, scale: SpO2Scale, on_oxygen: bool) -> u8 {
    let x = whole(x);
    match scale {
        SpO2Scale::Scale1 => match x {
            x if x <= 91.0 => 3,
            x if x <= 93.0 => 2,
            x if x <= 95.0 => 1,
            _ => 0,
        },
        SpO2Scale::Scale2 => match x {
            x if x <= 83.0 => 3,
            x if x <= 85.0 => 2,
            x if x <= 87.0 => 1,
            x if x <= 92.0 => 0,
            _ if !on_oxygen => 0,
            x if x <= 94.0 => 1,
            x if x <= 96.0 => 2,
            _ => 3,
        },
    }
}

fn systolic(x: f64) -> u8 {
    match whole(x) {
        x if x <= 90.0 => 3,
        x if x <= 100.0 => 2,
        x if x <= 110.0 => 1,
        x if x <= 219.0 => 0,
        _ => 3,
    }
}

fn pulse(x: f64) -> u8 {
    match whole(x) {
        x if x <= 40.0 => 3,
        x if x <= 50.0 => 1,
        x if x <= 90.0 => 0,
        x if x <= 110.0 => 1,
        x if x <= 130.0 => 2,
        _ => 3,
    }
}

fn temperature(x: f64) -> u8 {
    match tenth(x) {
        x if x <= 35.0 => 3,
        x if x <= 36.0 => 1,
        x if x <= 38.0 => 0,
        x if x <= 39.0 => 1,
        _ => 2,
    }
}

/// Scores one set of vitals.
pub fn score(v: &Vitals) -> News2 {
    let parts = [
        respiratory_rate(v.respiratory_rate),
        spo2(v.spo2, v.scale, v.on_oxygen),
        if v.on_oxygen { 2 } else { 0 },
        systolic(v.systolic),
        pulse(v.pulse),
        match v.consciousness {
            Consciousness::Alert => 0,
            Consciousness::NewConfusionOrWorse => 3,
        },
        temperature(v.temperature),
    ];
    let total: u8 = parts.iter().sum();
    let band = match total {
        7.. => Band::High,
        5..=6 => Band::Medium,
        _ if parts.contains(&3) => Band::LowMedium,
        _ => Band::Low,
    };
    let [respiratory_rate, spo2, air_or_oxygen, systolic, pulse, consciousness, temperature] = parts;
    News2 { respiratory_rate, spo2, air_or_oxygen, systolic, pulse, consciousness, temperature, total, band }
}

#[cfg(test)]
#[path = "news2_tests.rs"]
mod tests;
