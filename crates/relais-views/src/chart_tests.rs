use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::*;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn toronto() -> TimeZone {
    TimeZone::get("America/Toronto").unwrap()
}

/// The NEWS2 pulse bands of domain.md §2.2, as the caller hands them.
fn pulse_bands() -> Vec<Threshold> {
    let band = |low, high, level| Threshold { low, high, level, label: format!("NEWS2 {level}") };
    vec![
        band(None, Some(40.0), 3),
        band(Some(41.0), Some(50.0), 1),
        band(Some(91.0), Some(110.0), 1),
        band(Some(111.0), Some(130.0), 2),
        band(Some(131.0), None, 3),
    ]
}

fn heart_rate(points: Vec<(Timestamp, f64)>, locale: Locale, zone: &TimeZone, bands: &[Threshold]) -> String {
    let lines = [Line { name: "Fréquence cardiaque".to_owned(), points }];
    trend_chart(&TrendChart {
        id: "chart-8867-4",
        title: "Fréquence cardiaque",
        unit: "/min",
        lines: &lines,
        thresholds: bands,
        resolution: 1.0,
        zone,
        tr: Tr::new(locale),
    })
    .unwrap()
}

/// The `(cx, cy)` of every circle, in document order.
fn circles(html: &str) -> Vec<(f64, f64)> {
    html.match_indices("<circle ")
        .map(|(i, _)| {
            let attr = |name: &str| -> f64 {
                let rest = &html[i..];
                let start = rest.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                rest[start..start + rest[start..].find('"').unwrap()].parse().unwrap()
            };
            (attr("cx"), attr("cy"))
        })
        .collect()
}

#[test]
fn each_measurement_is_a_point_on_a_line_in_time_order_higher_values_higher_up() {
    let zone = toronto();
    let html = heart_rate(
        vec![
            (at("2026-11-10T13:00:00Z"), 96.0),
            (at("2026-11-03T13:00:00Z"), 72.0),
            (at("2026-11-06T13:00:00Z"), 80.5),
        ],
        Locale::Fr,
        &zone,
        &pulse_bands(),
    );
    let points = circles(&html);
    assert_eq!(points.len(), 3);
    assert!(points[0].0 < points[1].0 && points[1].0 < points[2].0, "left to right in time: {points:?}");
    assert!(points[0].1 > points[1].1 && points[1].1 > points[2].1, "72 < 80.5 < 96 drawn upwards");
    assert!(html.contains(r#"data-value="72""#) && html.contains(r#"data-value="80.5""#));
    let polyline = &html[html.find("<polyline").unwrap()..];
    let drawn = &polyline[polyline.find("points=\"").unwrap() + 8..];
    assert_eq!(drawn[..drawn.find('"').unwrap()].split(' ').count(), 3, "the line goes through every point");
    assert!(html.contains("2026-11-03 08:00 — Fréquence cardiaque: 72 /min"), "each point says what it is");
}

#[test]
fn the_chart_is_an_image_named_by_its_title_with_its_values_in_a_hidden_table() {
    let zone = toronto();
    let html = heart_rate(
        vec![(at("2026-11-03T13:00:00Z"), 72.0), (at("2026-11-10T13:30:00Z"), 80.5)],
        Locale::Fr,
        &zone,
        &pulse_bands(),
    );
    let label = "Fréquence cardiaque (/min), 2026-11-03 – 2026-11-10 — nombre de mesures : 2";
    assert!(html.contains(&format!(r#"<svg class="trend" role="img" aria-label="{label}""#)), "{html}");
    assert!(html.contains(&format!("<title>{label}</title>")));
    assert!(
        html.contains(r#"<div class="visually-hidden"><table><caption>Fréquence cardiaque (/min)</caption>"#)
    );
    assert!(html.contains(r#"<th scope="col">Date et heure</th><th scope="col">Fréquence cardiaque</th>"#));
    assert!(html.contains(
        r#"<tr><th scope="row"><time datetime="2026-11-10T13:30:00Z">2026-11-10 08:30</time></th><td>80,5</td></tr>"#
    ));
    assert!(html.contains(r#"<text class="unit" x="4" y="12">/min</text>"#), "the value axis has its unit");
    assert!(!html.contains("style="), "the CSP forbids style attributes");
}

#[test]
fn dates_on_the_time_axis_are_local_midnights_of_the_display_zone() {
    // 2026-11-04T03:00Z is still the 3rd in Toronto (22:00) and already the 4th in Paris.
    let points = vec![(at("2026-11-01T15:00:00Z"), 70.0), (at("2026-11-04T03:00:00Z"), 75.0)];
    let toronto_html = heart_rate(points.clone(), Locale::En, &toronto(), &[]);
    let paris_html = heart_rate(points, Locale::En, &TimeZone::get("Europe/Paris").unwrap(), &[]);
    let labels = |html: &str| -> Vec<String> {
        html.match_indices("<tspan>").map(|(i, _)| html[i + 7..i + 12].to_owned()).collect()
    };
    assert_eq!(labels(&toronto_html), ["11-02", "11-03"]);
    assert_eq!(labels(&paris_html), ["11-02", "11-03", "11-04"]);
}

#[test]
fn threshold_bands_near_the_values_are_shaded_and_labelled_and_the_axis_reaches_them() {
    let zone = toronto();
    let html = heart_rate(
        vec![(at("2026-11-03T13:00:00Z"), 72.0), (at("2026-11-04T13:00:00Z"), 78.0)],
        Locale::En,
        &zone,
        &pulse_bands(),
    );
    // Values 72–78: the axis stretches to the nearest bands (≤ 50.5 below, ≥ 90.5 above).
    assert!(html.contains(r#"<rect class="band band-1""#), "{html}");
    assert!(
        html.contains("<title>NEWS2 1 : 41–50</title>") && html.contains("<title>NEWS2 1 : 91–110</title>")
    );
    assert!(html.contains(">NEWS2 1 91–110</text>"), "the band is labelled on the chart");
    assert!(!html.contains("NEWS2 3"), "bands beyond the axis are not drawn");
    // The ticks cover 50 to 100 and no more.
    assert!(
        html.contains(r#"text-anchor="end">50</text>"#) && html.contains(r#"text-anchor="end">100</text>"#)
    );
    assert!(
        !html.contains(r#"text-anchor="end">40</text>"#) && !html.contains(r#"text-anchor="end">110</text>"#)
    );

    // A value in a band: it is drawn inside the band's rectangle.
    let high = heart_rate(vec![(at("2026-11-03T13:00:00Z"), 135.0)], Locale::En, &zone, &pulse_bands());
    assert!(high.contains("<title>NEWS2 3 : ≥ 131</title>"), "{high}");
    let band = &high[high.find(r#"band band-3""#).unwrap()..];
    let attr = |name: &str| -> f64 {
        let start = band.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        band[start..start + band[start..].find('"').unwrap()].parse().unwrap()
    };
    let (top, height) = (attr("y"), attr("height"));
    let (_, cy) = circles(&high)[0];
    assert!(top <= cy && cy <= top + height, "135 lies in the ≥ 131 band ({top}+{height}, {cy})");
    assert!(circles(&high)[0].0 > LEFT, "a single point is drawn inside the plot");

    // A band far from the values (a pulse of 300 or more, over readings of 70) is not reached.
    let far = [Threshold { low: Some(300.0), high: None, level: 3, label: "Far".to_owned() }];
    let calm = heart_rate(vec![(at("2026-11-03T13:00:00Z"), 70.0)], Locale::En, &zone, &far);
    assert!(!calm.contains("Far"), "{calm}");
}

#[test]
fn two_series_share_the_chart_the_legend_and_the_table() {
    let zone = toronto();
    let when = at("2026-11-03T13:00:00Z");
    let lines = [
        Line { name: "Systolic".to_owned(), points: vec![(when, 128.0)] },
        Line { name: "Diastolic".to_owned(), points: vec![(when, 82.0)] },
    ];
    let html = trend_chart(&TrendChart {
        id: "chart-bp",
        title: "Blood pressure",
        unit: "mmHg",
        lines: &lines,
        thresholds: &[],
        resolution: 1.0,
        zone: &zone,
        tr: Tr::new(Locale::En),
    })
    .unwrap();
    assert_eq!(circles(&html).len(), 2);
    assert!(html.contains(r#"<g class="series series-1">"#));
    assert!(html.contains(">Diastolic</text>"), "a legend names each line");
    assert!(html.contains("<td>128</td><td>82</td>"), "one row per instant, one column per series");
}

#[test]
fn nothing_to_draw_is_none_and_text_is_escaped() {
    let zone = toronto();
    let empty = [Line { name: "x".to_owned(), points: Vec::new() }];
    let chart = TrendChart {
        id: "c",
        title: "t",
        unit: "u",
        lines: &empty,
        thresholds: &[],
        resolution: 1.0,
        zone: &zone,
        tr: Tr::new(Locale::Fr),
    };
    assert!(trend_chart(&chart).is_none());
    let lines = [Line { name: "<b>\"x\"</b>".to_owned(), points: vec![(at("2026-11-03T13:00:00Z"), 1.0)] }];
    let html = trend_chart(&TrendChart { lines: &lines, ..chart }).unwrap();
    assert!(!html.contains("<b>") && html.contains("&lt;b&gt;&quot;x&quot;"));
}

#[test]
fn numbers_are_written_the_local_way() {
    assert_eq!(number(36.8, Locale::Fr), "36,8");
    assert_eq!(number(36.8, Locale::En), "36.8");
    assert_eq!(number(72.0, Locale::Fr), "72");
    assert_eq!(number(0.1 + 0.2, Locale::En), "0.3");
    assert_eq!(number(-0.001, Locale::En), "0");
}
