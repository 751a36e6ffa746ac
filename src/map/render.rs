//! Drawing the municipality on the server: a frame that maps WGS84
//! longitude/latitude to pixels and back in Web Mercator (the projection of
//! XYZ tile servers, so that a background map's tiles lie exactly under the
//! shapes), SVG path data for shapes, and the choropleth's classes.

use std::f64::consts::PI;
use std::fmt::Write;

use geo::{BoundingRect, Centroid, MultiPolygon, Rect, coord};

/// Web Mercator of a point: x and y in radians of the unit sphere.
pub fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.051_13, 85.051_13).to_radians();
    (lon.to_radians(), (PI / 4.0 + lat / 2.0).tan().ln())
}

/// The point of Web Mercator x and y.
pub fn unmercator(x: f64, y: f64) -> (f64, f64) {
    (
        x.to_degrees(),
        (2.0 * y.exp().atan() - PI / 2.0).to_degrees(),
    )
}

/// A tile of an XYZ tile server and where it goes on a frame.
#[derive(Debug, Clone, Copy)]
pub struct TileSpot {
    pub z: u8,
    pub x: u32,
    pub y: u32,
    /// Left and top edge and side, in the frame's pixels.
    pub left: f64,
    pub top: f64,
    pub size: f64,
}

/// Maps longitude/latitude into a `width` × `height` pixel box.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    /// The left edge of the drawing in Web Mercator x.
    west: f64,
    /// The top edge of the drawing in Web Mercator y.
    north: f64,
    /// Pixels per Web Mercator unit.
    scale: f64,
    off_x: f64,
    off_y: f64,
}

/// Pixels kept free around the drawing.
const PAD: f64 = 8.0;

impl Frame {
    /// A frame of exactly `width` × `height` pixels with `bounds` centred in it.
    pub fn fit_box(bounds: Rect<f64>, width: u32, height: u32) -> Frame {
        let (x0, y0) = mercator(bounds.min().x, bounds.min().y);
        let (x1, y1) = mercator(bounds.max().x, bounds.max().y);
        let (w, h) = ((x1 - x0).max(1e-12), (y1 - y0).max(1e-12));
        let scale = ((f64::from(width) - 2.0 * PAD) / w).min((f64::from(height) - 2.0 * PAD) / h);
        Frame {
            width,
            height,
            west: x0,
            north: y1,
            scale,
            off_x: (f64::from(width) - w * scale) / 2.0,
            off_y: (f64::from(height) - h * scale) / 2.0,
        }
    }

    /// A frame `width` pixels wide, as high as the shape needs (at most `max_height`).
    pub fn fit_width(bounds: Rect<f64>, width: u32, max_height: u32) -> Frame {
        let (x0, y0) = mercator(bounds.min().x, bounds.min().y);
        let (x1, y1) = mercator(bounds.max().x, bounds.max().y);
        let ratio = (y1 - y0) / (x1 - x0).max(1e-12);
        let inner = f64::from(width) - 2.0 * PAD;
        let height = (inner * ratio + 2.0 * PAD).clamp(120.0, f64::from(max_height));
        // Rounded to whole pixels; the value is clamped to a small range.
        let height = height.round() as u32;
        Frame::fit_box(bounds, width, height)
    }

    /// The pixel of a point.
    pub fn to_px(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = mercator(lon, lat);
        (
            self.off_x + (x - self.west) * self.scale,
            self.off_y + (self.north - y) * self.scale,
        )
    }

    /// The point of a pixel.
    pub fn to_lonlat(&self, x: f64, y: f64) -> (f64, f64) {
        unmercator(
            self.west + (x - self.off_x) / self.scale,
            self.north - (y - self.off_y) / self.scale,
        )
    }

    /// The tiles of an XYZ tile server (256 pixels, Web Mercator) that
    /// cover the frame, at the zoom whose tiles are drawn at 128 to 256
    /// pixels, and where each goes.
    pub fn tiles(&self) -> Vec<TileSpot> {
        // Tile pixels per Web Mercator unit at zoom z: 256 * 2^z / 2π.
        let wanted = (self.scale * 2.0 * PI / 256.0).log2().ceil();
        if !wanted.is_finite() {
            return Vec::new();
        }
        // A whole zoom level between 0 and 19.
        let z = wanted.clamp(0.0, 19.0) as u8;
        let n = f64::from(1_u32 << z);
        let side = 2.0 * PI / n;
        let size = side * self.scale;
        let (left, right) = (
            self.west - self.off_x / self.scale,
            self.west + (f64::from(self.width) - self.off_x) / self.scale,
        );
        let (top, bottom) = (
            self.north + self.off_y / self.scale,
            self.north - (f64::from(self.height) - self.off_y) / self.scale,
        );
        let column = |x: f64| ((x + PI) / side).floor().clamp(0.0, n - 1.0);
        let row = |y: f64| ((PI - y) / side).floor().clamp(0.0, n - 1.0);
        let mut out = Vec::new();
        let (mut ty, last_row) = (row(top), row(bottom));
        while ty <= last_row {
            let (mut tx, last_column) = (column(left), column(right));
            while tx <= last_column {
                let (x, y) = (
                    self.off_x + (tx * side - PI - self.west) * self.scale,
                    self.off_y + (self.north - (PI - ty * side)) * self.scale,
                );
                let round = |v: f64| (v * 100.0).round() / 100.0;
                // Tile numbers below 2^19.
                out.push(TileSpot {
                    z,
                    x: tx as u32,
                    y: ty as u32,
                    left: round(x),
                    top: round(y),
                    size: round(size),
                });
                tx += 1.0;
            }
            ty += 1.0;
        }
        out
    }

    /// SVG path data for a shape (`M … L … Z` per ring; draw with
    /// `fill-rule="evenodd"` so that holes stay holes).
    pub fn path(&self, shape: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        for polygon in shape {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                let mut last = (f64::NAN, f64::NAN);
                for (i, c) in ring.coords().enumerate() {
                    let (x, y) = self.to_px(c.x, c.y);
                    let (x, y) = ((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0);
                    if (x, y) == last {
                        continue;
                    }
                    last = (x, y);
                    let _ = write!(d, "{}{x} {y}", if i == 0 { "M" } else { "L" });
                }
                d.push('Z');
            }
        }
        d
    }

    /// Where a shape's label goes: under the shape, centred on it, so that
    /// the label does not hide the shape's colour.
    pub fn label_at(&self, shape: &MultiPolygon<f64>) -> Option<(f64, f64)> {
        let c = shape.centroid()?;
        let south = shape.bounding_rect()?.min().y;
        let (x, middle) = self.to_px(c.x(), c.y());
        // A shape whose middle lies outside the frame (a close-up) gets no label.
        if !(0.0..=f64::from(self.width)).contains(&x)
            || !(0.0..=f64::from(self.height)).contains(&middle)
        {
            return None;
        }
        let (_, y) = self.to_px(c.x(), south);
        let y = (y + 13.0).min(f64::from(self.height) - 3.0);
        Some(((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0))
    }
}

/// A map label's height in pixels, and the width of one of its characters
/// on average (13 px text, with its white halo).
const LABEL_LINE: f64 = 15.0;
const LABEL_CHAR: f64 = 7.5;

/// Moves each label (its text's length in characters, and where it goes)
/// that would cover one placed before it a line down or up, or drops it
/// when no line near is free: the table with the map names every area.
/// The first labels are placed first; the map puts the largest counts first.
/// `captions`: lines at the top and at the bottom kept for the image's own
/// texts.
pub fn spread_labels<'a>(
    labels: impl IntoIterator<Item = (usize, &'a mut Option<(f64, f64)>)>,
    height: u32,
    captions: (u8, u8),
) {
    let mut placed: Vec<(f64, f64, f64)> = Vec::new();
    let highest = LABEL_LINE * f64::from(1 + captions.0);
    let lowest = f64::from(height) - 3.0 - LABEL_LINE * f64::from(captions.1);
    for (chars, at) in labels {
        let Some((x, y)) = *at else { continue };
        #[allow(clippy::cast_precision_loss)]
        let half = chars as f64 * LABEL_CHAR / 2.0;
        let free = |y: f64| {
            (highest..=lowest).contains(&y)
                && placed.iter().all(|&(px, py, phalf)| {
                    (x - px).abs() >= half + phalf || (y - py).abs() >= LABEL_LINE
                })
        };
        let line = [0.0, 1.0, -1.0, 2.0, -2.0]
            .into_iter()
            .map(|n| y + n * LABEL_LINE)
            .find(|&y| free(y));
        *at = line.map(|y| (x, y));
        if let Some(y) = line {
            placed.push((x, y, half));
        }
    }
}

/// The smallest box holding all the shapes.
pub fn bounds<'a>(shapes: impl Iterator<Item = &'a MultiPolygon<f64>>) -> Option<Rect<f64>> {
    shapes
        .filter_map(BoundingRect::bounding_rect)
        .reduce(|a, b| {
            Rect::new(
                coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
}

/// The choropleth's classes with their legend labels: 0 is "none", 1–4
/// split the counts up to the largest in four equal steps (a class no count
/// can fall in is left out).
pub fn classes(max: i64) -> Vec<(usize, String)> {
    let mut out = vec![(0, "0".to_owned())];
    for class in 1..=4_usize {
        let c = class as i64;
        let (low, high) = (((c - 1) * max).div_euclid(4) + 1, (c * max).div_euclid(4));
        if low > high {
            continue;
        }
        let label = if low == high {
            low.to_string()
        } else {
            format!("{low}–{high}")
        };
        out.push((class, label));
    }
    out
}

/// The class of a count, for [`classes`] of `max`.
pub fn class_of(count: i64, max: i64) -> usize {
    if count <= 0 || max <= 0 {
        return 0;
    }
    // ceil(4 * count / max), between 1 and 4.
    let c = (4 * count + max - 1) / max;
    usize::try_from(c.clamp(1, 4)).unwrap_or(1)
}

/// A hexagonal bin of the heat layer: its outline, count and class (1–3).
#[derive(Clone, Debug)]
pub struct Hex {
    pub d: String,
    pub count: usize,
    pub class: usize,
}

/// The points (longitude, latitude) counted in pointy-top hexagons of
/// `radius` pixels; bins with fewer than `min_count` points are left out.
pub fn hex_bins(frame: &Frame, points: &[(f64, f64)], radius: f64, min_count: usize) -> Vec<Hex> {
    let sqrt3 = 3f64.sqrt();
    let mut bins: std::collections::BTreeMap<(i64, i64), usize> = Default::default();
    for &(lon, lat) in points {
        let (x, y) = frame.to_px(lon, lat);
        let q = (sqrt3 / 3.0 * x - y / 3.0) / radius;
        let r = (2.0 / 3.0 * y) / radius;
        // Cube rounding: the nearest hexagon centre.
        let (s, mut rq, mut rr) = (-q - r, q.round(), r.round());
        let rs = s.round();
        let (dq, dr, ds) = ((rq - q).abs(), (rr - r).abs(), (rs - s).abs());
        if dq > dr && dq > ds {
            rq = -rr - rs;
        } else if dr > ds {
            rr = -rq - rs;
        }
        // Whole hexagon numbers, small: the frame is a few hundred pixels.
        let key = (rq as i64, rr as i64);
        *bins.entry(key).or_default() += 1;
    }
    let max = bins.values().copied().max().unwrap_or(0);
    bins.into_iter()
        .filter(|(_, n)| *n >= min_count.max(1))
        .map(|((q, r), count)| {
            let (q, r) = (q as f64, r as f64);
            let (cx, cy) = (radius * sqrt3 * (q + r / 2.0), radius * 1.5 * r);
            let mut d = String::new();
            for k in 0..6 {
                let a = (60.0 * f64::from(k) - 30.0).to_radians();
                let (x, y) = (cx + radius * a.cos(), cy + radius * a.sin());
                let _ = write!(d, "{}{:.1} {:.1}", if k == 0 { "M" } else { "L" }, x, y);
            }
            d.push('Z');
            // Thirds of the largest bin.
            let class = ((3 * count).div_ceil(max.max(1))).clamp(1, 3);
            Hex { d, count, class }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_that_would_overlap_move_a_line_or_go() {
        // Two long names at almost the same place, one far off.
        let mut labels = [
            (14, Some((100.0, 100.0))),
            (12, Some((110.0, 104.0))),
            (5, Some((400.0, 100.0))),
        ];
        spread_labels(labels.iter_mut().map(|(n, at)| (*n, at)), 560, (0, 0));
        assert_eq!(labels[0].1, Some((100.0, 100.0)));
        assert_eq!(labels[1].1, Some((110.0, 119.0)), "a line down");
        assert_eq!(labels[2].1, Some((400.0, 100.0)), "untouched");
        // With every line near taken, the last label goes.
        let mut crowded: Vec<(usize, Option<(f64, f64)>)> =
            (0..6).map(|_| (10, Some((100.0, 100.0)))).collect();
        spread_labels(crowded.iter_mut().map(|(n, at)| (*n, at)), 560, (0, 0));
        let ys: Vec<f64> = crowded
            .iter()
            .filter_map(|(_, at)| at.map(|a| a.1))
            .collect();
        assert_eq!(ys, [100.0, 115.0, 85.0, 130.0, 70.0]);
        assert_eq!(crowded[5].1, None);
        // Not above the top or below the bottom of the map.
        let mut edge = [(10, Some((50.0, 550.0))), (10, Some((50.0, 552.0)))];
        spread_labels(edge.iter_mut().map(|(n, at)| (*n, at)), 560, (0, 0));
        assert_eq!(
            edge[1].1,
            Some((50.0, 522.0)),
            "up two lines: one up is too close"
        );
        // Lines kept for the image's own texts at the top and the bottom.
        let mut captioned = [(10, Some((50.0, 14.0))), (10, Some((50.0, 310.0)))];
        spread_labels(captioned.iter_mut().map(|(n, at)| (*n, at)), 320, (1, 1));
        assert_eq!(captioned[0].1, Some((50.0, 44.0)), "below the top line");
        assert_eq!(captioned[1].1, Some((50.0, 295.0)), "above the bottom line");
    }

    #[test]
    fn a_pixel_and_its_point_convert_back_and_forth() {
        let b = Rect::new(coord! { x: 15.0, y: 59.3 }, coord! { x: 15.8, y: 59.9 });
        let f = Frame::fit_box(b, 320, 320);
        let (x, y) = f.to_px(15.4, 59.6);
        let (lon, lat) = f.to_lonlat(x, y);
        assert!((lon - 15.4).abs() < 1e-9 && (lat - 59.6).abs() < 1e-9);
        let (x0, y0) = f.to_px(15.0, 59.9);
        assert!(x0 >= 7.9 && y0 >= 7.9, "{x0} {y0}");
    }

    #[test]
    fn the_tiles_cover_the_frame_and_lie_where_web_mercator_puts_them() {
        let b = Rect::new(coord! { x: 15.0, y: 59.3 }, coord! { x: 15.8, y: 59.9 });
        let f = Frame::fit_width(b, 560, 560);
        let tiles = f.tiles();
        assert!(!tiles.is_empty() && tiles.len() <= 36, "{}", tiles.len());
        let (z, size) = (tiles[0].z, tiles[0].size);
        assert!((128.0..=256.0).contains(&size), "{z} {size}");
        // The tile holding a point draws that point where the frame does.
        let (lon, lat): (f64, f64) = (15.4, 59.6);
        let n = f64::from(1_u32 << z);
        let tx = (lon + 180.0) / 360.0 * n;
        let lat_r = lat.to_radians();
        let ty = (1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / PI) / 2.0 * n;
        let t = tiles
            .iter()
            .find(|t| t.x == tx.floor() as u32 && t.y == ty.floor() as u32)
            .copied()
            .expect("the tile under the point");
        let (px, py) = f.to_px(lon, lat);
        assert!(
            (t.left + tx.fract() * t.size - px).abs() < 0.05,
            "{t:?} {px}"
        );
        assert!(
            (t.top + ty.fract() * t.size - py).abs() < 0.05,
            "{t:?} {py}"
        );
        // Together they cover the whole frame.
        let right = tiles.iter().map(|t| t.left + t.size).fold(0.0, f64::max);
        let bottom = tiles.iter().map(|t| t.top + t.size).fold(0.0, f64::max);
        let left = tiles.iter().map(|t| t.left).fold(f64::MAX, f64::min);
        let top = tiles.iter().map(|t| t.top).fold(f64::MAX, f64::min);
        assert!(left <= 0.0 && top <= 0.0, "{left} {top}");
        assert!(
            right >= 560.0 && bottom >= f64::from(f.height),
            "{right} {bottom}"
        );
    }

    #[test]
    fn points_close_together_share_a_hexagon_and_small_bins_can_be_hidden() {
        let b = Rect::new(coord! { x: 15.0, y: 59.3 }, coord! { x: 15.8, y: 59.9 });
        let f = Frame::fit_box(b, 320, 320);
        let near = [
            (15.4, 59.6),
            (15.4001, 59.6001),
            (15.3999, 59.6),
            (15.7, 59.35),
        ];
        let all = hex_bins(&f, &near, 14.0, 1);
        assert_eq!(all.iter().map(|h| h.count).sum::<usize>(), 4);
        assert_eq!(all.len(), 2);
        let shown = hex_bins(&f, &near, 14.0, 3);
        assert_eq!(shown.len(), 1);
        assert_eq!((shown[0].count, shown[0].class), (3, 3));
    }

    #[test]
    fn counts_fall_in_the_class_their_legend_names() {
        for max in 1..=40 {
            let legend = classes(max);
            for count in 0..=max {
                let class = class_of(count, max);
                let (_, label) = legend
                    .iter()
                    .find(|(c, _)| *c == class)
                    .expect("class in legend");
                let (low, high) = match label.split_once('–') {
                    Some((l, h)) => (
                        l.parse::<i64>().unwrap_or(-1),
                        h.parse::<i64>().unwrap_or(-1),
                    ),
                    None => (label.parse().unwrap_or(-1), label.parse().unwrap_or(-1)),
                };
                assert!(
                    (low..=high).contains(&count),
                    "max {max} count {count} class {class} {label}"
                );
            }
        }
    }
}
