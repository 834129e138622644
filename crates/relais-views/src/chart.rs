//! Trend charts of measurements, drawn as inline SVG on the server: no script, no chart
//! library, nothing for the CSP to allow. [`trend_chart`] is a pure function of the points, the
//! thresholds and the display time zone; its colours come from classes in `relais.css` (the CSP
//! forbids `style` attributes).
//!
//! What a chart shows: the value axis with its unit, the dates in the display time zone on the
//! time axis, each series as a line through its points, and the threshold bands shaded and
//! labelled. For people who cannot see it: the `svg` is an image named by its title, and a
//! visually hidden table beside it lists every value.
//!
//! The thresholds are an input, never constants here: the caller decides which apply to this
//! patient (see `relais-web`'s vital-sign table).

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::i18n::{Locale, Tr};

/// One series of a chart (heart rate; or systolic, beside diastolic).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The series' name, translated (shown in the legend and as a table column).
    pub name: String,
    /// `(when, value)` in any order; drawn in time order.
    pub points: Vec<(Timestamp, f64)>,
}

/// A range of values that calls for attention, as a clinician configured it: from `low` to
/// `high` inclusive, as the score tables write them (`41–50`), open-ended where `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// How much it weighs, 1 to 3 (the NEWS2 score of the band): its shade.
    pub level: u8,
    /// Its name on the chart (`NEWS2 3`).
    pub label: String,
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct TrendChart<'a> {
    /// Unique in the page (`chart-8867-4`), for the ids the table and labels use.
    pub id: &'a str,
    /// What is measured, translated (`Fréquence cardiaque`).
    pub title: &'a str,
    /// The unit as people read it (`/min`, `mmHg`, `°C`).
    pub unit: &'a str,
    pub lines: &'a [Line],
    pub thresholds: &'a [Threshold],
    /// The values are recorded to this resolution (1 for a pulse, 0.1 for a temperature): a
    /// band `41–50` covers 40.5 to 50.5, so neighbouring bands meet.
    pub resolution: f64,
    pub zone: &'a TimeZone,
    pub tr: Tr,
}

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 26.0;

/// The chart as HTML: a `<figure>` holding the SVG and the table of its values. `None` when
/// there is no point to draw (the page shows its empty state instead).
pub fn trend_chart(chart: &TrendChart<'_>) -> Option<String> {
    let values: Vec<f64> =
        chart.lines.iter().flat_map(|l| l.points.iter().map(|(_, v)| *v)).filter(|v| v.is_finite()).collect();
    let times: Vec<Timestamp> = chart.lines.iter().flat_map(|l| l.points.iter().map(|(t, _)| *t)).collect();
    let (first, last) = (*times.iter().min()?, *times.iter().max()?);
    let (mut low, mut high) = values.iter().fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    if values.is_empty() {
        return None;
    }
    // Reach out to the nearest threshold on each side of the values when it is close (within
    // 30 % of the value), so that "how far from the band" can be read; a far one (a systolic
    // band at 220 over readings of 130) would squash the readings into a line.
    let half = chart.resolution / 2.0;
    let near = |edge: f64, value: f64| (edge - value).abs() <= 0.3 * value.abs().max(1.0);
    let below = chart.thresholds.iter().filter_map(|t| t.high.map(|h| h + half)).filter(|e| *e <= low);
    let above = chart.thresholds.iter().filter_map(|t| t.low.map(|l| l - half)).filter(|e| *e >= high);
    if let Some(edge) = below.fold(None, |m: Option<f64>, e| Some(m.map_or(e, |m| m.max(e))))
        && near(edge, low)
    {
        low = edge;
    }
    if let Some(edge) = above.fold(None, |m: Option<f64>, e| Some(m.map_or(e, |m| m.min(e))))
        && near(edge, high)
    {
        high = edge;
    }
    let (ticks, y_min, y_max) = value_ticks(low, high);
    let (t_min, t_max) = time_range(first, last);
    let plot = Plot { y_min, y_max, t_min, t_max };
    let locale = chart.tr.locale();

    let title = format!("{} ({})", chart.title, chart.unit);
    let period =
        format!("{} – {}", local(chart.zone, first, "%Y-%m-%d"), local(chart.zone, last, "%Y-%m-%d"));
    let label = chart.tr.t_with(
        "chart-label",
        &[("title", &title), ("count", &values.len().to_string()), ("period", &period)],
    );
    let mut svg = String::new();
    let id = escape(chart.id);
    let _ = write!(
        svg,
        r#"<svg class="trend" role="img" aria-label="{label}" viewBox="0 0 {WIDTH} {HEIGHT}" focusable="false"><title>{label}</title>"#,
        label = escape(&label),
    );
    draw_bands(&mut svg, chart, &plot, locale);
    draw_value_axis(&mut svg, &ticks, &plot, chart.unit, locale);
    draw_time_axis(&mut svg, &plot, chart.zone);
    for (index, line) in chart.lines.iter().enumerate() {
        draw_line(&mut svg, line, index, &plot, chart, locale);
    }
    if chart.lines.len() > 1 {
        draw_legend(&mut svg, chart.lines);
    }
    svg.push_str("</svg>");

    let mut html = format!(r#"<figure class="trend-chart" id="{id}">"#);
    html.push_str(&svg);
    let _ = write!(html, r#"<figcaption>{}</figcaption>"#, escape(&title));
    html.push_str(&data_table(chart, &title, locale));
    html.push_str("</figure>");
    Some(html)
}

/// Where values and instants land in the drawing.
struct Plot {
    y_min: f64,
    y_max: f64,
    t_min: i64,
    t_max: i64,
}

impl Plot {
    fn x(&self, at: Timestamp) -> f64 {
        let span = (self.t_max - self.t_min).max(1) as f64;
        LEFT + (at.as_second() - self.t_min) as f64 / span * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, value: f64) -> f64 {
        let span = (self.y_max - self.y_min).max(f64::EPSILON);
        TOP + (self.y_max - value.clamp(self.y_min, self.y_max)) / span * (HEIGHT - TOP - BOTTOM)
    }
}

/// Round tick values covering `low..=high` (about five), and the axis ends they give.
fn value_ticks(low: f64, high: f64) -> (Vec<f64>, f64, f64) {
    let (low, high) = if high - low < 1e-9 { (low - 1.0, high + 1.0) } else { (low, high) };
    let rough = (high - low) / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step =
        [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= rough).unwrap_or(magnitude * 10.0);
    let start = (low / step).floor() * step;
    let end = (high / step).ceil() * step;
    let count = ((end - start) / step).round() as usize;
    let ticks = (0..=count).map(|i| start + i as f64 * step).collect();
    (ticks, start, end)
}

/// The time axis' ends in seconds: the points' span, or a day around a single instant.
fn time_range(first: Timestamp, last: Timestamp) -> (i64, i64) {
    let (a, b) = (first.as_second(), last.as_second());
    if b - a < 3600 { (a - 43_200, b + 43_200) } else { (a, b) }
}

fn draw_bands(svg: &mut String, chart: &TrendChart<'_>, plot: &Plot, locale: Locale) {
    let half = chart.resolution / 2.0;
    svg.push_str(r#"<g class="bands">"#);
    for band in chart.thresholds {
        let from = band.low.map_or(plot.y_min, |l| l - half).max(plot.y_min);
        let to = band.high.map_or(plot.y_max, |h| h + half).min(plot.y_max);
        if to <= from {
            continue;
        }
        let (top, bottom) = (plot.y(to), plot.y(from));
        let range = match (band.low, band.high) {
            (None, Some(h)) => format!("≤ {}", number(h, locale)),
            (Some(l), None) => format!("≥ {}", number(l, locale)),
            (Some(l), Some(h)) => format!("{}–{}", number(l, locale), number(h, locale)),
            (None, None) => String::new(),
        };
        let _ = write!(
            svg,
            r#"<rect class="band band-{level}" x="{LEFT}" y="{top:.1}" width="{w:.1}" height="{h:.1}"><title>{text}</title></rect>"#,
            level = band.level.clamp(1, 3),
            w = WIDTH - LEFT - RIGHT,
            h = bottom - top,
            text = escape(&format!("{} : {range}", band.label)),
        );
        // The label sits inside its band, at the right, if the band is tall enough to hold it.
        if bottom - top >= 10.0 {
            let _ = write!(
                svg,
                r#"<text class="band-label" x="{x:.1}" y="{y:.1}" text-anchor="end">{text}</text>"#,
                x = WIDTH - RIGHT - 4.0,
                y = (top + bottom) / 2.0 + 4.0,
                text = escape(&format!("{} {range}", band.label)),
            );
        }
    }
    svg.push_str("</g>");
}

fn draw_value_axis(svg: &mut String, ticks: &[f64], plot: &Plot, unit: &str, locale: Locale) {
    svg.push_str(r#"<g class="axis axis-value">"#);
    for tick in ticks {
        let y = plot.y(*tick);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}"/><text x="{x:.1}" y="{ty:.1}" text-anchor="end">{value}</text>"#,
            x2 = WIDTH - RIGHT,
            x = LEFT - 4.0,
            ty = y + 4.0,
            value = number(*tick, locale),
        );
    }
    let _ = write!(svg, r#"<text class="unit" x="4" y="12">{}</text></g>"#, escape(unit));
}

/// Local midnights across the span, at most about six of them, labelled month-day.
fn draw_time_axis(svg: &mut String, plot: &Plot, zone: &TimeZone) {
    let bottom = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        r#"<g class="axis axis-time"><line x1="{LEFT}" x2="{x2}" y1="{bottom}" y2="{bottom}"/>"#,
        x2 = WIDTH - RIGHT,
    );
    let span_days = ((plot.t_max - plot.t_min) as f64 / 86_400.0).ceil().max(1.0) as i64;
    let step = [1, 2, 3, 7, 14, 28, 56, 91, 182, 365].into_iter().find(|d| span_days / d <= 5).unwrap_or(730);
    let start =
        Timestamp::from_second(plot.t_min).unwrap_or(Timestamp::UNIX_EPOCH).to_zoned_datetime(zone.clone());
    let mut day = start.date();
    let mut guard = 0;
    while guard < 64 {
        guard += 1;
        let Ok(midnight) = day.to_zoned_datetime(zone.clone()) else { break };
        let at = midnight.timestamp();
        if at.as_second() > plot.t_max {
            break;
        }
        if at.as_second() >= plot.t_min {
            let x = plot.x(at);
            let _ = write!(
                svg,
                r#"<line class="tick" x1="{x:.1}" x2="{x:.1}" y1="{bottom}" y2="{b2}"/><text x="{x:.1}" y="{ty}" text-anchor="middle"><tspan>{label}</tspan></text>"#,
                b2 = bottom + 4.0,
                ty = HEIGHT - 8.0,
                label = midnight.strftime("%m-%d"),
            );
        }
        match day.checked_add(jiff::Span::new().days(step)) {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    svg.push_str("</g>");
}

fn draw_line(
    svg: &mut String,
    line: &Line,
    index: usize,
    plot: &Plot,
    chart: &TrendChart<'_>,
    locale: Locale,
) {
    let mut points: Vec<&(Timestamp, f64)> = line.points.iter().filter(|(_, v)| v.is_finite()).collect();
    points.sort_by_key(|(at, _)| *at);
    let path: Vec<String> =
        points.iter().map(|(at, v)| format!("{:.1},{:.1}", plot.x(*at), plot.y(*v))).collect();
    let _ = write!(
        svg,
        r#"<g class="series series-{index}"><polyline fill="none" points="{}"/>"#,
        path.join(" ")
    );
    for (at, value) in points {
        let _ = write!(
            svg,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" data-value="{raw}"><title>{text}</title></circle>"#,
            x = plot.x(*at),
            y = plot.y(*value),
            raw = value,
            text = escape(&format!(
                "{} — {}: {} {}",
                local(chart.zone, *at, "%Y-%m-%d %H:%M"),
                line.name,
                number(*value, locale),
                chart.unit
            )),
        );
    }
    svg.push_str("</g>");
}

fn draw_legend(svg: &mut String, lines: &[Line]) {
    svg.push_str(r#"<g class="legend">"#);
    let mut x = LEFT + 40.0;
    for (index, line) in lines.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<g class="series series-{index}"><line x1="{x:.1}" x2="{x2:.1}" y1="8" y2="8"/><text x="{tx:.1}" y="12">{name}</text></g>"#,
            x2 = x + 16.0,
            tx = x + 20.0,
            name = escape(&line.name),
        );
        x += 28.0 + 7.0 * line.name.chars().count() as f64;
    }
    svg.push_str("</g>");
}

/// Every value in a table a screen reader can browse (one row per instant, one column per
/// series), hidden from sight: the chart says the same to the eye.
fn data_table(chart: &TrendChart<'_>, title: &str, locale: Locale) -> String {
    let mut instants: Vec<Timestamp> =
        chart.lines.iter().flat_map(|l| l.points.iter().map(|(t, _)| *t)).collect();
    instants.sort();
    instants.dedup();
    let mut html = format!(
        r#"<div class="visually-hidden"><table><caption>{}</caption><thead><tr><th scope="col">{}</th>"#,
        escape(title),
        escape(&chart.tr.t("chart-when"))
    );
    for line in chart.lines {
        let _ = write!(html, r#"<th scope="col">{}</th>"#, escape(&line.name));
    }
    html.push_str("</tr></thead><tbody>");
    for at in instants {
        let _ = write!(
            html,
            r#"<tr><th scope="row"><time datetime="{at}">{}</time></th>"#,
            local(chart.zone, at, "%Y-%m-%d %H:%M")
        );
        for line in chart.lines {
            let value = line.points.iter().find(|(t, _)| *t == at).map(|(_, v)| number(*v, locale));
            let _ = write!(html, "<td>{}</td>", value.unwrap_or_default());
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></div>");
    html
}

/// `at` in `zone`, formatted.
fn local(zone: &TimeZone, at: Timestamp, format: &str) -> String {
    at.to_zoned_datetime(zone.clone()).strftime(format).to_string()
}

/// A value as people of `locale` write it: at most two decimals, no trailing zeros, a comma
/// in French.
pub fn number(value: f64, locale: Locale) -> String {
    let mut text = format!("{:.2}", (value * 100.0).round() / 100.0);
    while text.contains('.') && (text.ends_with('0') || text.ends_with('.')) {
        text.pop();
    }
    if text == "-0" {
        text = "0".to_owned();
    }
    match locale {
        Locale::Fr => text.replace('.', ","),
        Locale::En => text,
    }
}

/// `text` safe inside an element or a double-quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "chart_tests.rs"]
mod tests;
