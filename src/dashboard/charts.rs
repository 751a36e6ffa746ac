//! Server-rendered SVG charts (plotters). Each chart gets an accessible
//! name from its caption; the page shows the same numbers as a table.
//!
//! The drawing is as wide as the page's content column at 1280 px (72rem
//! less its padding) and the page shows it at full width, so its 14 px
//! labels render at about 14 px there.

use plotters::prelude::*;

const BAR: RGBColor = RGBColor(0, 75, 135);
/// A bar for a week or month the period covers only in part.
const PARTIAL: RGBColor = RGBColor(150, 180, 210);
pub const WIDTH: u32 = 1120;
/// Tick labels and axis titles. plotters writes text at about 0.81 of
/// the size it is given (16 becomes 12.9 in the SVG), and the SVG's units
/// are px at 1280 px, so 16 gives labels of at least 12 px.
pub const FONT: u32 = 16;

/// Marks the SVG as an image named by the element `labelled_by`.
fn accessible(svg: String, labelled_by: &str) -> String {
    svg.replacen("<svg ", &format!("<svg role=\"img\" aria-labelledby=\"{labelled_by}\" focusable=\"false\" class=\"chart\" "), 1)
}

/// Vertical bars over time, labelled every few bars; bars for buckets the
/// period covers only in part (`partial`) are drawn lighter.
pub fn columns(
    labels: &[String],
    values: &[i64],
    partial: &[bool],
    x_title: &str,
    labelled_by: &str,
) -> String {
    let mut svg = String::new();
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let n = u32::try_from(values.len()).unwrap_or(0).max(1);
    // About one label per 110 px, so that "v. 49 2025" never overlaps.
    let every = (n / 10).max(1);
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 320)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(&root)
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
            root.present()?;
            Ok(())
        })();
        if let Err(error) = drawn {
            tracing::warn!(%error, "chart not drawn");
        }
    }
    accessible(svg, labelled_by)
}

/// Horizontal bars, one per named row, the first on top.
pub fn bars(labels: &[String], values: &[i64], labelled_by: &str) -> String {
    let mut svg = String::new();
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let n = i32::try_from(values.len()).unwrap_or(0).max(1);
    let height = u32::try_from(n).unwrap_or(1) * 30 + 72;
    // Row r (0 = first label) is drawn in segment n - 1 - r, counted from the bottom.
    let label_of = |segment: i32| {
        labels
            .get(usize::try_from(n - 1 - segment).unwrap_or(usize::MAX))
            .cloned()
            .unwrap_or_default()
    };
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .x_label_area_size(48)
                .y_label_area_size(300)
                .build_cartesian_2d(0i64..max + max / 8 + 1, (0i32..n).into_segmented())?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(usize::try_from(n).unwrap_or(1))
                .y_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(segment) => label_of(*segment),
                    _ => String::new(),
                })
                .x_desc("Antal händelser")
                .label_style(("sans-serif", FONT))
                .axis_desc_style(("sans-serif", FONT))
                .draw()?;
            chart.draw_series(values.iter().enumerate().map(|(i, v)| {
                let segment = n - 1 - i32::try_from(i).unwrap_or(0);
                let mut bar = Rectangle::new(
                    [
                        (0, SegmentValue::Exact(segment)),
                        (*v, SegmentValue::Exact(segment + 1)),
                    ],
                    BAR.filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            }))?;
            root.present()?;
            Ok(())
        })();
        if let Err(error) = drawn {
            tracing::warn!(%error, "chart not drawn");
        }
    }
    accessible(svg, labelled_by)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_svg_image_named_by_its_caption_and_escapes_its_labels() {
        let svg = bars(
            &["Våld & hot".to_owned(), "<Annat>".to_owned()],
            &[3, 1],
            "fig-kategori",
        );
        assert!(svg.starts_with("<svg role=\"img\" aria-labelledby=\"fig-kategori\""));
        assert!(svg.contains("Våld &amp; hot"));
        assert!(!svg.contains("<Annat>"));
        assert_eq!(svg.matches("<rect").count(), 3, "background and two bars");
    }

    #[test]
    fn charts_are_drawn_page_wide_with_readable_labels_axis_titles_and_lighter_partial_weeks() {
        let labels: Vec<String> = (1..=5).map(|w| format!("v. {w}")).collect();
        let svg = columns(
            &labels,
            &[3, 4, 5, 6, 2],
            &[true, false, false, false, true],
            "Vecka",
            "fig-vecka",
        );
        assert!(svg.contains(&format!("width=\"{WIDTH}\"")), "{svg}");
        assert!(
            svg.contains(">\nVecka\n<") && svg.contains(">\nAntal händelser\n<"),
            "{svg}"
        );
        let sizes: Vec<f64> = svg
            .split("font-size=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next()?.parse().ok())
            .collect();
        assert!(!sizes.is_empty());
        assert!(sizes.iter().all(|s| *s >= 12.0), "{sizes:?}");
        assert_eq!(svg.matches("fill=\"#96B4D2\"").count(), 2, "{svg}");
    }
}
