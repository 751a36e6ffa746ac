//! Server-rendered SVG charts (plotters), for the dashboard and a measure's
//! effect. Each chart gets an accessible name from its caption; the page
//! shows the same numbers as a table.
//!
//! An SVG scales with its width, text included, so one drawing cannot keep
//! its labels readable both on a desktop and on a phone. Each chart is
//! therefore drawn at three widths ([`SIZES`]), and the stylesheet shows the
//! one drawn for the column's width at that screen size: the content column
//! is 1120 px wide from 72rem (1152 px) up, 608 px or more from 40rem
//! (640 px), and 358 px on a 390 px phone. Each is shown at or above its own
//! size, so its 16 px labels (about 13 px in the SVG) render at 12 px or
//! more down to a 360 px screen.

use plotters::prelude::*;

const BAR: RGBColor = RGBColor(0, 75, 135);
/// A bar for a week or month the period covers only in part.
const PARTIAL: RGBColor = RGBColor(150, 180, 210);
/// The width of the desktop drawing.
pub const WIDTH: u32 = 1120;
/// The drawings of each chart: width, and the class the stylesheet shows
/// at the screen sizes it is drawn for.
pub const SIZES: [(u32, &str); 3] = [(WIDTH, "wide"), (608, "medium"), (340, "narrow")];
/// Tick labels and axis titles. plotters writes text at about 0.81 of
/// the size it is given (16 becomes 12.9 in the SVG), and each drawing is
/// shown at least at its own size, so 16 gives labels of at least 12 px.
pub const FONT: u32 = 16;

/// Marks the SVG as an image named by the element `labelled_by`, and as the
/// drawing for screens of the size `class`.
fn accessible(svg: String, labelled_by: &str, class: &str) -> String {
    svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-labelledby=\"{labelled_by}\" focusable=\"false\" class=\"chart chart-{class}\" "),
        1,
    )
}

/// The chart drawn at every one of [`SIZES`], one SVG after the other.
fn at_every_size(draw: impl Fn(u32) -> String, labelled_by: &str) -> String {
    SIZES
        .iter()
        .map(|(width, class)| accessible(draw(*width), labelled_by, class))
        .collect()
}

/// An SVG of the given size, white, with what `paint` draws on it. A
/// drawing that fails is logged, and the SVG keeps what was drawn.
fn draw_svg(
    width: u32,
    height: u32,
    paint: impl for<'s, 'r> FnOnce(
        &'r DrawingArea<SVGBackend<'s>, plotters::coord::Shift>,
    ) -> Result<(), Box<dyn std::error::Error + 'r>>,
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            paint(&root)?;
            root.present()?;
            Ok(())
        })();
        if let Err(error) = drawn {
            tracing::warn!(%error, "chart not drawn");
        }
    }
    svg
}

/// Vertical bars over time, labelled every few bars; the bars marked in
/// `partial` are drawn lighter (on the dashboard, buckets the period covers
/// only in part; on a measure's page, the weeks before its start).
pub fn columns(
    labels: &[String],
    values: &[i64],
    partial: &[bool],
    x_title: &str,
    labelled_by: &str,
) -> String {
    at_every_size(
        |width| columns_at(width, labels, values, partial, x_title),
        labelled_by,
    )
}

fn columns_at(
    width: u32,
    labels: &[String],
    values: &[i64],
    partial: &[bool],
    x_title: &str,
) -> String {
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let n = u32::try_from(values.len()).unwrap_or(0).max(1);
    // At most one label per 110 px of the plot, so that "v. 49 2025"
    // never overlaps.
    let room = (width.saturating_sub(88) / 110).max(1);
    let every = n.div_ceil(room).max(1);
    draw_svg(width, 320, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(52)
            .y_label_area_size(64)
            .build_cartesian_2d(0u32..n, 0i64..max + max / 8 + 1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(usize::try_from(n).unwrap_or(1))
            .x_label_formatter(&|i| {
                if i % every == 0 {
                    labels
                        .get(usize::try_from(*i).unwrap_or(usize::MAX))
                        .cloned()
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc(x_title)
            .y_desc("Antal händelser")
            .label_style(("sans-serif", FONT))
            .axis_desc_style(("sans-serif", FONT))
            .draw()?;
        chart.draw_series(values.iter().enumerate().map(|(i, v)| {
            let colour = if partial.get(i).copied().unwrap_or(false) {
                PARTIAL
            } else {
                BAR
            };
            let i = u32::try_from(i).unwrap_or(0);
            let mut bar = Rectangle::new([(i, 0), (i + 1, *v)], colour.filled());
            bar.set_margin(0, 0, 1, 1);
            bar
        }))?;
        Ok(())
    })
}

/// Horizontal bars, one per named row, the first on top.
pub fn bars(labels: &[String], values: &[i64], labelled_by: &str) -> String {
    at_every_size(|width| bars_at(width, labels, values), labelled_by)
}

/// Wide drawings put each name left of its bar; narrower ones above it, so
/// that the bars keep the width.
fn bars_at(width: u32, labels: &[String], values: &[i64]) -> String {
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let n = i32::try_from(values.len()).unwrap_or(0).max(1);
    let names_above = width < WIDTH;
    let row = if names_above { 52 } else { 30 };
    let height = u32::try_from(n).unwrap_or(1) * row + 72;
    // Row r (0 = first label) is drawn in segment n - 1 - r, counted from the bottom.
    let label_of = |segment: i32| {
        labels
            .get(usize::try_from(n - 1 - segment).unwrap_or(usize::MAX))
            .cloned()
            .unwrap_or_default()
    };
    draw_svg(width, height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(if names_above { 0 } else { 300 })
            .build_cartesian_2d(0i64..max + max / 8 + 1, (0i32..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(if names_above { 5 } else { 10 })
            // Fine lines would run through the names written above the bars.
            .light_line_style(if names_above {
                TRANSPARENT
            } else {
                BLACK.mix(0.1)
            })
            .y_labels(usize::try_from(n).unwrap_or(1))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(segment) if !names_above => label_of(*segment),
                _ => String::new(),
            })
            .x_desc("Antal händelser")
            .label_style(("sans-serif", FONT))
            .axis_desc_style(("sans-serif", FONT))
            .draw()?;
        chart.draw_series(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| bar(n - 1 - i32::try_from(i).unwrap_or(0), *v, names_above)),
        )?;
        if names_above {
            let style = ("sans-serif", FONT).into_font().color(&BLACK);
            chart.draw_series(values.iter().enumerate().map(|(i, _)| {
                let segment = n - 1 - i32::try_from(i).unwrap_or(0);
                EmptyElement::at((0, SegmentValue::Exact(segment + 1)))
                    + Text::new(label_of(segment), (4, 4), style.clone())
            }))?;
        }
        Ok(())
    })
}

/// The bar of one row, in its segment, leaving room above it when the
/// name is written there.
fn bar(segment: i32, value: i64, names_above: bool) -> Rectangle<(i64, SegmentValue<i32>)> {
    let mut bar = Rectangle::new(
        [
            (0, SegmentValue::Exact(segment)),
            (value, SegmentValue::Exact(segment + 1)),
        ],
        BAR.filled(),
    );
    bar.set_margin(if names_above { 26 } else { 4 }, 4, 0, 0);
    bar
}

/// The colours and markers of [`lines`]' series, in order: each series
/// differs by its marker as well as its colour.
const SERIES: [RGBColor; 3] = [BAR, RGBColor(176, 72, 0), RGBColor(80, 80, 80)];

/// Lines over years (or any labels), one per named series, gaps where a
/// value is missing, with a legend naming each series.
pub fn lines(
    labels: &[String],
    series: &[(String, Vec<Option<f64>>)],
    y_title: &str,
    labelled_by: &str,
) -> String {
    at_every_size(
        |width| lines_at(width, labels, series, y_title),
        labelled_by,
    )
}

fn lines_at(
    width: u32,
    labels: &[String],
    series: &[(String, Vec<Option<f64>>)],
    y_title: &str,
) -> String {
    let mut svg = String::new();
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .fold(1.0_f64, |a, b| a.max(*b));
    let n = u32::try_from(labels.len()).unwrap_or(0).max(1);
    let every = n.div_ceil((width.saturating_sub(88) / 64).max(1)).max(1);
    {
        let root = SVGBackend::with_string(&mut svg, (width, 340)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(&root)
                .margin(16)
                .x_label_area_size(40)
                .y_label_area_size(72)
                .build_cartesian_2d((0u32..n - 1).into_segmented(), 0f64..max * 1.15)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(usize::try_from(n).unwrap_or(1))
                .x_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) if i % every == 0 => labels
                        .get(usize::try_from(*i).unwrap_or(usize::MAX))
                        .cloned()
                        .unwrap_or_default(),
                    _ => String::new(),
                })
                .y_label_formatter(&|v| format!("{v:.0}"))
                .y_desc(y_title)
                .label_style(("sans-serif", FONT))
                .axis_desc_style(("sans-serif", FONT))
                .draw()?;
            for (k, (name, values)) in series.iter().enumerate() {
                draw_line(&mut chart, k, name, values)?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font(("sans-serif", FONT))
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK.mix(0.3))
                .draw()?;
            root.present()?;
            Ok(())
        })();
        if let Err(error) = drawn {
            tracing::warn!(%error, "chart not drawn");
        }
    }
    svg
}

type LineChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<
        plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordu32>,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// One series: a line through each run of values, a marker on each value
/// (circle, triangle, cross by the series' place), and its legend entry.
fn draw_line<'a, 'b: 'a>(
    chart: &mut LineChart<'a, 'b>,
    k: usize,
    name: &str,
    values: &[Option<f64>],
) -> Result<(), Box<dyn std::error::Error>> {
    let colour = SERIES[k % SERIES.len()];
    let points: Vec<(u32, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (u32::try_from(i).unwrap_or(0), v)))
        .collect();
    let at = |(x, y): (u32, f64)| (SegmentValue::CenterOf(x), y);
    for run in points.chunk_by(|a, b| b.0 == a.0 + 1) {
        chart.draw_series(std::iter::once(PathElement::new(
            run.iter().map(|p| at(*p)).collect::<Vec<_>>(),
            colour.stroke_width(3),
        )))?;
    }
    type Point = (SegmentValue<u32>, f64);
    let marker = move |p: Point| -> DynElement<'static, SVGBackend<'_>, Point> {
        match k % 3 {
            0 => Circle::new(p, 6, colour.filled()).into_dyn(),
            1 => TriangleMarker::new(p, 8, colour.filled()).into_dyn(),
            _ => Cross::new(p, 6, colour.stroke_width(3)).into_dyn(),
        }
    };
    chart
        .draw_series(points.iter().map(|p| marker(at(*p))))?
        .label(name)
        .legend(move |(x, y)| {
            // The series' marker on the line: an octagon for the circle,
            // the triangle, or a diamond for the cross.
            let marker = match k % 3 {
                0 => vec![
                    (9, -2),
                    (10, -5),
                    (14, -5),
                    (15, -2),
                    (15, 2),
                    (14, 5),
                    (10, 5),
                    (9, 2),
                ],
                1 => vec![(12, -6), (18, 5), (6, 5)],
                _ => vec![(12, -6), (18, 0), (12, 6), (6, 0)],
            };
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (24, 0)], colour.stroke_width(3))
                + Polygon::new(marker, colour.filled())
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SVGs of a chart, one per size.
    fn drawings(svg: &str) -> Vec<&str> {
        svg.split_inclusive("</svg>")
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .collect()
    }

    fn font_sizes(svg: &str) -> Vec<f64> {
        svg.split("font-size=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next()?.parse().ok())
            .collect()
    }

    #[test]
    fn a_line_chart_is_drawn_at_every_size_with_a_legend_and_gaps_for_missing_values() {
        let labels: Vec<String> = (2021..=2025).map(|y| y.to_string()).collect();
        let series = [
            (
                "Lindesbergs <kommun>".to_owned(),
                vec![Some(9000.0), None, Some(8800.0), Some(8700.0), Some(8600.0)],
            ),
            ("Örebro län".to_owned(), vec![Some(11000.0); 5]),
            ("Riket".to_owned(), vec![Some(14000.0); 5]),
        ];
        let svg = lines(&labels, &series, "Per 100 000 invånare", "kolada-title");
        let drawn = drawings(&svg);
        assert_eq!(drawn.len(), SIZES.len());
        for d in drawn {
            assert!(d.starts_with("<svg role=\"img\" aria-labelledby=\"kolada-title\""));
            assert!(d.contains("Lindesbergs &lt;kommun&gt;") && d.contains("Riket"));
            assert!(
                d.contains("2025") && d.contains("Per 100 000 invånare"),
                "{d}"
            );
            assert!(
                font_sizes(d).iter().all(|s| *s >= 12.0),
                "{:?}",
                font_sizes(d)
            );
            // Lindesberg's line breaks at the missing year: a run of one
            // point and a run of three, where the county's is one line.
            let lines_in = |colour: &str| {
                d.split("<polyline")
                    .skip(1)
                    .filter(|p| p.split("/>").next().is_some_and(|p| p.contains(colour)))
                    .map(|p| p.matches(',').count())
                    .collect::<Vec<_>>()
            };
            assert!(lines_in("#004B87").starts_with(&[1, 3]), "{d}");
            assert!(lines_in("#B04800").contains(&5), "{d}");
        }
    }

    #[test]
    fn a_chart_is_an_svg_image_named_by_its_caption_and_escapes_its_labels() {
        let svg = bars(
            &["Våld & hot".to_owned(), "<Annat>".to_owned()],
            &[3, 1],
            "fig-kategori",
        );
        let all = drawings(&svg);
        assert_eq!(all.len(), SIZES.len());
        for (drawing, (width, class)) in all.iter().zip(SIZES) {
            assert!(drawing.starts_with(&format!(
                "<svg role=\"img\" aria-labelledby=\"fig-kategori\" focusable=\"false\" class=\"chart chart-{class}\" width=\"{width}\""
            )), "{drawing}");
            assert!(drawing.contains("Våld &amp; hot"), "{drawing}");
            assert!(!drawing.contains("<Annat>"));
            assert_eq!(
                drawing.matches("<rect").count(),
                3,
                "background and two bars"
            );
        }
    }

    #[test]
    fn charts_are_drawn_at_every_size_with_readable_labels_axis_titles_and_lighter_partial_weeks() {
        let labels: Vec<String> = (1..=52).map(|w| format!("v. {w} 2026")).collect();
        let values: Vec<i64> = (1..=52).collect();
        let mut partial = vec![false; 52];
        partial[0] = true;
        partial[51] = true;
        let svg = columns(&labels, &values, &partial, "Vecka", "fig-vecka");
        for (drawing, (width, _)) in drawings(&svg).iter().zip(SIZES) {
            assert!(drawing.contains(&format!("width=\"{width}\"")), "{drawing}");
            assert!(
                drawing.contains(">\nVecka\n<") && drawing.contains(">\nAntal händelser\n<"),
                "{drawing}"
            );
            let sizes = font_sizes(drawing);
            assert!(!sizes.is_empty());
            assert!(sizes.iter().all(|s| *s >= 12.0), "{sizes:?}");
            assert_eq!(drawing.matches("fill=\"#96B4D2\"").count(), 2, "{drawing}");
            // Week labels about 110 px apart at most: none overlap.
            let shown = labels
                .iter()
                .filter(|l| drawing.contains(&format!(">\n{l}\n<")))
                .count();
            let room = usize::try_from(width / 110).unwrap_or(1);
            assert!(shown >= 2 && shown <= room, "{width}: {shown} labels");
        }
    }

    #[test]
    fn narrower_bar_charts_name_each_bar_above_it() {
        let names = ["Skadegörelse".to_owned(), "Ordningsstörning".to_owned()];
        let svg = bars(&names, &[5, 2], "fig-kategori");
        for drawing in drawings(&svg) {
            for name in &names {
                assert_eq!(
                    drawing.matches(&format!(">\n{name}\n<")).count(),
                    1,
                    "{drawing}"
                );
            }
            assert!(font_sizes(drawing).iter().all(|s| *s >= 12.0));
            assert!(drawing.contains(">\nAntal händelser\n<"));
        }
    }
}
