//! Charts drawn as inline SVG by a small module of our own: stacked columns (with optional
//! vertical markers), horizontal bars (signed), lines and a heat map. Every chart has a
//! title, axis titles with units and grouped numbers; colours are CSS classes (`s0`…`s5`,
//! `heat`, `grid`), so the page's stylesheet gives light and dark themes and print. Every
//! text drawn is escaped here; the template inserts the SVG as it is.

use super::format;
use std::fmt::Write;

/// The drawing width (the SVG scales to its container).
const W: f64 = 640.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 16.0;
/// How many colour classes the stylesheet defines.
const COLOURS: usize = 6;
/// The largest heat map (audiences per side) whose cells carry tooltips.
const TIPPED_CELLS: usize = 20;
/// Approximate width of one character of the 11px labels.
const CHAR_W: f64 = 6.2;

/// Escapes text for HTML and SVG (element content and quoted attributes).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

/// `s` cut to `max` characters, with an ellipsis when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

/// A chart's title and its axes' titles (with units).
pub struct Frame<'a> {
    pub title: &'a str,
    pub x: &'a str,
    pub y: &'a str,
}

/// One named series of values.
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// A vertical line across a column chart: `at` is its place along the x axis, 0 to 1.
pub struct Marker {
    pub at: f64,
    pub label: String,
}

/// One horizontal bar: its label, value, the text written beside it and its colour class.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
    pub colour: usize,
}

/// Round steps for an axis from `lo` to `hi` (about four of them): (lo, hi, step).
fn ticks(lo: f64, hi: f64) -> (f64, f64, f64) {
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    let raw = span / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let lo = (lo / step).floor() * step;
    let hi = ((hi / step).ceil() * step).max(lo + step);
    (lo, hi, step)
}

/// A tick's text: grouped, with decimals only when the step needs them.
fn tick_text(v: f64, step: f64) -> String {
    let whole = |d: usize| {
        let scaled = step * 10f64.powi(d as i32);
        (scaled - scaled.round()).abs() < 1e-9
    };
    let decimals = (0..6).find(|d| whole(*d)).unwrap_or(6);
    format::num((v * 10f64.powi(decimals as i32)).round() / 10f64.powi(decimals as i32), decimals)
}

fn open(out: &mut String, h: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg viewBox="0 0 {W} {h}" width="100%" role="img" aria-label="{t}" class="chart"><title>{t}</title>"#,
        t = esc(title)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, class: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}">{}</text>"#,
        esc(s)
    );
}

/// The y axis's title, turned, and the x axis's title, centred under the plot.
fn axis_titles(out: &mut String, frame: &Frame, h: f64, plot_left: f64) {
    let mid = (28.0 + h - 40.0) / 2.0;
    let _ = write!(
        out,
        r#"<text transform="translate(12,{mid:.1}) rotate(-90)" text-anchor="middle" class="axis">{}</text>"#,
        esc(frame.y)
    );
    text(out, (plot_left + W - RIGHT) / 2.0, h - 6.0, "middle", "axis", frame.x);
}

fn legend(out: &mut String, names: &[&str]) {
    if names.len() < 2 {
        return;
    }
    let mut x = LEFT;
    for (i, n) in names.iter().enumerate() {
        let _ = write!(out, r#"<rect x="{x:.1}" y="6" width="10" height="10" class="s{}"/>"#, i % COLOURS);
        text(out, x + 14.0, 15.0, "start", "label", n);
        x += 24.0 + n.chars().count() as f64 * CHAR_W;
    }
}

/// Horizontal grid lines and their values for a vertical axis from `lo` to `hi`.
fn y_grid(out: &mut String, (lo, hi, step): (f64, f64, f64), y: &dyn Fn(f64) -> f64) {
    let mut v = lo;
    while v <= hi + step / 2.0 {
        let py = y(v);
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" x2="{:.1}" y1="{py:.1}" y2="{py:.1}" class="grid"/>"#,
            W - RIGHT
        );
        text(out, LEFT - 6.0, py + 4.0, "end", "label", &tick_text(v, step));
        v += step;
    }
}

/// Every how many x labels one is written so that they do not overlap.
fn label_every(labels: &[String], slot: f64) -> usize {
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64 * CHAR_W + 8.0;
    (widest / slot).ceil().max(1.0) as usize
}

/// Columns, one per x label, each stacking the series' values; `markers` draw dashed
/// vertical lines (thresholds).
pub fn columns(frame: &Frame, labels: &[String], series: &[Series], markers: &[Marker]) -> String {
    let h = 260.0;
    let (top, bottom) = (if series.len() > 1 || !markers.is_empty() { 34.0 } else { 20.0 }, h - 46.0);
    let n = labels.len().max(1);
    let totals: Vec<f64> =
        (0..n).map(|i| series.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0)).sum()).collect();
    let axis = ticks(0.0, totals.iter().copied().fold(0.0, f64::max).max(1.0));
    let y = |v: f64| bottom - (v - axis.0) / (axis.1 - axis.0) * (bottom - top);
    let mut out = String::new();
    open(&mut out, h, frame.title);
    legend(&mut out, &series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>());
    y_grid(&mut out, axis, &y);
    let plot_w = W - LEFT - RIGHT;
    let slot = plot_w / n as f64;
    let every = label_every(labels, slot);
    // A column is at most 48 wide, so a few columns do not look like one block.
    let (bar_w, inset) = ((slot * 0.8).min(48.0), (slot - (slot * 0.8).min(48.0)) / 2.0);
    for (i, label) in labels.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        let mut acc = 0.0;
        for (k, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let (y1, y0) = (y(acc + v), y(acc));
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{y1:.1}" width="{:.1}" height="{:.1}" class="s{}"><title>{}: {} {}</title></rect>"#,
                x + inset,
                bar_w.max(0.5),
                (y0 - y1).max(0.5),
                k % COLOURS,
                esc(label),
                format::num(v, 2),
                esc(&s.name)
            );
            acc += v;
        }
        if i % every == 0 {
            text(&mut out, x + slot / 2.0, bottom + 14.0, "middle", "label", label);
        }
    }
    for m in markers {
        let x = LEFT + plot_w * m.at.clamp(0.0, 1.0);
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{bottom:.1}" class="marker"/>"#,
            top - 8.0
        );
        text(&mut out, x + 3.0, top - 10.0, "start", "label", &m.label);
    }
    close(&mut out, frame, h, bottom);
    out
}

/// The x axis line at `bottom`, the axis titles, and the end of the drawing.
fn close(out: &mut String, frame: &Frame, h: f64, bottom: f64) {
    let _ = write!(
        out,
        r#"<line x1="{LEFT}" x2="{:.1}" y1="{bottom:.1}" y2="{bottom:.1}" class="axisline"/>"#,
        W - RIGHT
    );
    axis_titles(out, frame, h, LEFT);
    out.push_str("</svg>");
}

/// Lines over the x labels, one per series, with a dot on every value.
pub fn lines(frame: &Frame, labels: &[String], series: &[Series]) -> String {
    let h = 220.0;
    let (top, bottom) = (if series.len() > 1 { 34.0 } else { 20.0 }, h - 46.0);
    let n = labels.len().max(1);
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0, f64::max).max(1.0);
    let axis = ticks(0.0, max);
    let y = |v: f64| bottom - (v - axis.0) / (axis.1 - axis.0) * (bottom - top);
    let plot_w = W - LEFT - RIGHT;
    let slot = plot_w / n as f64;
    let x = |i: usize| LEFT + slot * (i as f64 + 0.5);
    let mut out = String::new();
    open(&mut out, h, frame.title);
    legend(&mut out, &series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>());
    y_grid(&mut out, axis, &y);
    for (k, s) in series.iter().enumerate() {
        let points: Vec<String> =
            s.values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
        let _ = write!(out, r#"<polyline points="{}" class="line l{}"/>"#, points.join(" "), k % COLOURS);
        for (i, v) in s.values.iter().enumerate() {
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" class="s{}"><title>{}: {} {}</title></circle>"#,
                x(i),
                y(*v),
                k % COLOURS,
                esc(labels.get(i).map_or("", |l| l.as_str())),
                format::num(*v, 2),
                esc(&s.name)
            );
        }
    }
    let every = label_every(labels, slot);
    for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        text(&mut out, x(i), bottom + 14.0, "middle", "label", label);
    }
    close(&mut out, frame, h, bottom);
    out
}

/// Horizontal bars from zero (negative values to the left), labelled on the left, each
/// with its text at its end; `reference` draws a dashed line at that value.
pub fn bars(frame: &Frame, bars: &[Bar], reference: Option<f64>) -> String {
    let label_w = 190.0;
    let row = 20.0;
    let top = 12.0;
    let bottom = top + row * bars.len().max(1) as f64;
    let h = bottom + 46.0;
    let lo = bars.iter().map(|b| b.value).fold(0.0, f64::min).min(reference.unwrap_or(0.0));
    let hi = bars.iter().map(|b| b.value).fold(0.0, f64::max).max(reference.unwrap_or(0.0));
    let axis = ticks(lo, if hi > lo { hi } else { lo + 1.0 });
    // Room on the right for the value texts.
    let text_w = bars.iter().map(|b| b.text.chars().count()).max().unwrap_or(0) as f64 * CHAR_W + 8.0;
    let (x0, x1) = (label_w, W - RIGHT - text_w);
    let x = |v: f64| x0 + (v - axis.0) / (axis.1 - axis.0) * (x1 - x0);
    let mut out = String::new();
    open(&mut out, h, frame.title);
    let mut v = axis.0;
    while v <= axis.1 + axis.2 / 2.0 {
        let px = x(v);
        let _ = write!(out, r#"<line x1="{px:.1}" x2="{px:.1}" y1="{top}" y2="{bottom:.1}" class="grid"/>"#);
        text(&mut out, px, bottom + 14.0, "middle", "label", &tick_text(v, axis.2));
        v += axis.2;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let (a, z) = (x(0.0_f64.max(axis.0)), x(b.value));
        let (left, width) = (a.min(z), (a - z).abs().max(if b.value != 0.0 { 1.0 } else { 0.0 }));
        let _ = write!(
            out,
            r#"<rect x="{left:.1}" y="{:.1}" width="{width:.1}" height="{:.1}" class="s{}"><title>{}: {}</title></rect>"#,
            y + 3.0,
            row - 6.0,
            b.colour % COLOURS,
            esc(&b.label),
            esc(&b.text)
        );
        text(&mut out, label_w - 6.0, y + 14.0, "end", "label", &clip(&b.label, 26));
        text(&mut out, a.max(z) + 4.0, y + 14.0, "start", "value", &b.text);
    }
    if let Some(r) = reference {
        let px = x(r);
        let _ = write!(
            out,
            r#"<line x1="{px:.1}" x2="{px:.1}" y1="{}" y2="{bottom:.1}" class="marker"/>"#,
            top - 4.0
        );
    }
    let _ =
        write!(out, r#"<line x1="{x0}" x2="{x1:.1}" y1="{bottom:.1}" y2="{bottom:.1}" class="axisline"/>"#);
    let mid = top + (bottom - top) / 2.0;
    let _ = write!(
        out,
        r#"<text transform="translate(12,{mid:.1}) rotate(-90)" text-anchor="middle" class="axis">{}</text>"#,
        esc(frame.y)
    );
    text(&mut out, (x0 + x1) / 2.0, h - 6.0, "middle", "axis", frame.x);
    out.push_str("</svg>");
    out
}

/// A square heat map: `shares[i][j]` (0 to 1) sets the shade of row `i`, column `j`;
/// `tips[i][j]` is its tooltip. Rows are labelled `N. name`, columns `N`.
pub fn heatmap(frame: &Frame, labels: &[String], shares: &[Vec<f64>], tips: &[Vec<String>]) -> String {
    let n = labels.len().max(1);
    let label_w = 200.0;
    let cell = ((W - label_w - RIGHT) / n as f64).min(36.0);
    // Rows at least as tall as their label, so many audiences stay readable.
    let row = cell.max(13.0);
    let top = 34.0;
    let h = top + row * n as f64 + 40.0;
    let mut out = String::new();
    open(&mut out, h, frame.title);
    for (j, _) in labels.iter().enumerate() {
        if cell >= 14.0 || j % 2 == 0 {
            text(
                &mut out,
                label_w + cell * (j as f64 + 0.5),
                top - 6.0,
                "middle",
                "label",
                &(j + 1).to_string(),
            );
        }
    }
    for (i, label) in labels.iter().enumerate() {
        let y = top + row * i as f64;
        text(
            &mut out,
            label_w - 6.0,
            y + row / 2.0 + 4.0,
            "end",
            "label",
            &format!("{}. {}", i + 1, clip(label, 22)),
        );
        for j in 0..labels.len() {
            let share = shares.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0.0);
            // Tooltips on small maps only: on a large one they would double the page's
            // elements, and the table under the chart holds every count.
            let tip = match tips.get(i).and_then(|r| r.get(j)) {
                Some(t) if n <= TIPPED_CELLS => format!("<title>{}</title>", esc(t)),
                _ => String::new(),
            };
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" class="heat" fill-opacity="{:.2}">{tip}</rect>"#,
                label_w + cell * j as f64,
                cell - 1.0,
                row - 1.0,
                if share > 0.0 { 0.08 + 0.92 * share } else { 0.0 },
            );
            if cell >= 30.0 {
                let class = if share > 0.55 { "cell dark" } else { "cell" };
                let t = format!("{}", (share * 100.0).round());
                text(&mut out, label_w + cell * (j as f64 + 0.5), y + row / 2.0 + 4.0, "middle", class, &t);
            }
        }
    }
    let bottom = top + row * n as f64;
    text(&mut out, label_w + cell * n as f64 / 2.0, bottom + 18.0, "middle", "axis", frame.x);
    let _ = write!(
        out,
        r#"<text transform="translate(12,{:.1}) rotate(-90)" text-anchor="middle" class="axis">{}</text>"#,
        (top + bottom) / 2.0,
        esc(frame.y)
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame<'static> {
        Frame { title: "T <b>", x: "x (days)", y: "y (rows)" }
    }

    #[test]
    fn every_text_is_escaped() {
        let evil = "<script>alert(1)</script>".to_owned();
        let svg = columns(
            &frame(),
            std::slice::from_ref(&evil),
            &[Series { name: evil.clone(), values: vec![3.0] }],
            &[],
        );
        let svg2 =
            bars(&frame(), &[Bar { label: evil.clone(), value: 1.0, text: evil.clone(), colour: 0 }], None);
        let svg3 = heatmap(&frame(), std::slice::from_ref(&evil), &[vec![1.0]], &[vec![evil.clone()]]);
        let svg4 =
            lines(&frame(), std::slice::from_ref(&evil), &[Series { name: evil.clone(), values: vec![1.0] }]);
        for s in [svg, svg2, svg3, svg4] {
            assert!(!s.contains("<script"), "{s}");
            assert!(!s.contains("<b>"), "{s}");
            assert!(s.contains("&lt;script&gt;"), "{s}");
            assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        }
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 97.0), (0.0, 100.0, 25.0));
        assert_eq!(ticks(0.0, 1_000_000.0), (0.0, 1_000_000.0, 250_000.0));
        let (lo, hi, _) = ticks(-1.3, 2.2);
        assert!(lo <= -1.3 && hi >= 2.2);
        assert_eq!(tick_text(250_000.0, 250_000.0), "250,000");
        assert_eq!(tick_text(0.5, 0.5), "0.5");
    }

    #[test]
    fn stacked_columns_draw_one_rect_per_positive_value() {
        let labels: Vec<String> = (1..=3).map(|i| i.to_string()).collect();
        let s = vec![
            Series { name: "a".into(), values: vec![1.0, 0.0, 2.0] },
            Series { name: "b".into(), values: vec![1.0, 1.0, 0.0] },
        ];
        let svg = columns(&frame(), &labels, &s, &[Marker { at: 0.5, label: "hot".into() }]);
        // Two legend swatches and four bars.
        assert_eq!(svg.matches("<rect").count(), 6);
        assert!(svg.contains("class=\"marker\""));
    }
}
