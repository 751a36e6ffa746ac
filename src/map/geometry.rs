//! Reading an uploaded GeoJSON file of boundaries: a FeatureCollection of
//! Polygon or MultiPolygon features in WGS84 or SWEREF 99 TM (EPSG:3006),
//! checked and converted to WGS84 longitude/latitude. Every refusal is a
//! [`Refusal`] with a Swedish message for the field.

use geo::{Coord, LineString, MultiPolygon, Polygon, Validation};
use geojson::{Feature, GeoJson, GeometryValue, JsonObject, Position};
use proj4rs::Proj;

/// The largest file taken (5 MB).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// Sweden with a margin, in WGS84 degrees: (west, south, east, north).
const SWEDEN: (f64, f64, f64, f64) = (10.5, 55.0, 24.5, 69.2);

/// SWEREF 99 TM: transverse Mercator on 15° E over GRS80, the datum taken as
/// WGS84 (they differ by less than a metre, well below a drawn boundary).
const SWEREF99TM: &str = "+proj=utm +zone=33 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs";
const WGS84: &str = "+proj=longlat +datum=WGS84 +no_defs";

/// The coordinate systems a file may use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crs {
    Wgs84,
    Sweref99Tm,
}

/// Why a file was refused.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    TooLarge,
    NotGeoJson,
    NoFeatures,
    NotPolygon(String),
    UnknownCrs,
    InvalidPolygon(String),
    OutsideSweden(String),
    NoName(usize),
    SameName(String),
}

impl Refusal {
    /// The message shown next to the file field.
    pub fn message(&self) -> String {
        match self {
            Refusal::TooLarge => "Filen är större än 5 MB. Förenkla gränserna (färre punkter) och försök igen.".into(),
            Refusal::NotGeoJson => "Filen är inte GeoJSON. Spara gränserna som GeoJSON (.geojson) och försök igen.".into(),
            Refusal::NoFeatures => "Filen har inga ytor. Den ska vara en FeatureCollection med Polygon- eller MultiPolygon-objekt.".into(),
            Refusal::NotPolygon(name) => format!("”{name}” är inte en yta. Filen får bara ha Polygon och MultiPolygon."),
            Refusal::UnknownCrs => "Okänt koordinatsystem. Använd WGS84 (longitud, latitud) eller SWEREF 99 TM (EPSG:3006).".into(),
            Refusal::InvalidPolygon(name) => format!("Ytan ”{name}” är ogiltig: en ring ska ha minst fyra punkter, sluta där den börjar och inte korsa sig själv."),
            Refusal::OutsideSweden(name) => format!("Ytan ”{name}” ligger utanför Sverige. Kontrollera koordinatsystemet och att koordinaterna står i ordningen longitud, latitud (eller öst, nord)."),
            Refusal::NoName(n) => format!("Yta nummer {n} saknar namn. Ge varje yta egenskapen ”namn” (eller ”name”) med områdets namn."),
            Refusal::SameName(name) => format!("Namnet ”{name}” finns på flera ytor i filen. Slå ihop dem till en MultiPolygon."),
        }
    }
}

/// A named shape from the file, in WGS84 degrees (x longitude, y latitude).
#[derive(Debug, Clone)]
pub struct Shape {
    pub name: String,
    pub shape: MultiPolygon<f64>,
}

/// The property names that can hold a feature's name, in order of preference.
const NAME_KEYS: [&str; 7] = [
    "namn", "name", "område", "omrade", "tätort", "tatort", "kommun",
];

/// Reads, checks and converts a file. Nothing is returned unless all of it is good.
pub fn read(bytes: &[u8]) -> Result<Vec<Shape>, Refusal> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(Refusal::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Refusal::NotGeoJson)?;
    let text = text.trim_start_matches('\u{feff}');
    let features = match text.parse::<GeoJson>().map_err(|_| Refusal::NotGeoJson)? {
        GeoJson::FeatureCollection(fc) => (fc.features, fc.foreign_members),
        GeoJson::Feature(f) => {
            let members = f.foreign_members.clone();
            (vec![f], members)
        }
        GeoJson::Geometry(_) => return Err(Refusal::NoFeatures),
    };
    let (features, members) = features;
    if features.is_empty() {
        return Err(Refusal::NoFeatures);
    }
    let mut raw = Vec::with_capacity(features.len());
    for (i, feature) in features.iter().enumerate() {
        let name = feature_name(feature).ok_or(Refusal::NoName(i + 1))?;
        let polygons = polygons(feature).ok_or_else(|| Refusal::NotPolygon(name.clone()))?;
        raw.push((name, polygons));
    }
    let crs = match declared_crs(members.as_ref()) {
        Some(declared) => declared?,
        None => guess_crs(raw.iter().flat_map(|(_, p)| p.iter().flatten().flatten()))?,
    };
    let mut shapes: Vec<Shape> = Vec::with_capacity(raw.len());
    for (name, polygons) in raw {
        if shapes.iter().any(|s| s.name.eq_ignore_ascii_case(&name)) {
            return Err(Refusal::SameName(name));
        }
        let shape = convert(&name, &polygons, crs)?;
        shapes.push(Shape { name, shape });
    }
    Ok(shapes)
}

/// The feature's name: the first non-empty text among [`NAME_KEYS`], any case.
fn feature_name(feature: &Feature) -> Option<String> {
    let props = feature.properties.as_ref()?;
    NAME_KEYS.iter().find_map(|key| {
        props
            .iter()
            .find(|(k, _)| k.to_lowercase() == *key)
            .and_then(|(_, v)| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    })
}

type Rings = Vec<Vec<Position>>;

/// The feature's polygons (each a list of rings), or `None` when it is not
/// a Polygon or MultiPolygon.
fn polygons(feature: &Feature) -> Option<Vec<Rings>> {
    match &feature.geometry.as_ref()?.value {
        GeometryValue::Polygon { coordinates } => Some(vec![coordinates.clone()]),
        GeometryValue::MultiPolygon { coordinates } => Some(coordinates.clone()),
        _ => None,
    }
}

/// The coordinate system the file names in its (2008-style) `crs` member.
fn declared_crs(members: Option<&JsonObject>) -> Option<Result<Crs, Refusal>> {
    let crs = members?.get("crs")?;
    let name = crs
        .pointer("/properties/name")
        .and_then(|n| n.as_str())
        .unwrap_or_default()
        .to_ascii_uppercase();
    Some(if name.ends_with("CRS84") || name.ends_with(":4326") {
        Ok(Crs::Wgs84)
    } else if name.ends_with(":3006") {
        Ok(Crs::Sweref99Tm)
    } else {
        Err(Refusal::UnknownCrs)
    })
}

/// Without a `crs` member, the numbers tell: degrees, or SWEREF 99 TM metres
/// (east 200 000–1 000 000, north 6 100 000–7 700 000).
fn guess_crs<'a>(positions: impl Iterator<Item = &'a Position>) -> Result<Crs, Refusal> {
    let (mut degrees, mut sweref) = (true, true);
    for p in positions {
        let (x, y) = xy(p).ok_or(Refusal::UnknownCrs)?;
        degrees &= x.abs() <= 180.0 && y.abs() <= 90.0;
        sweref &=
            (200_000.0..=1_000_000.0).contains(&x) && (6_100_000.0..=7_700_000.0).contains(&y);
    }
    match (degrees, sweref) {
        (true, _) => Ok(Crs::Wgs84),
        (false, true) => Ok(Crs::Sweref99Tm),
        (false, false) => Err(Refusal::UnknownCrs),
    }
}

fn xy(p: &Position) -> Option<(f64, f64)> {
    let s = p.as_slice();
    match s {
        [x, y, ..] if x.is_finite() && y.is_finite() => Some((*x, *y)),
        _ => None,
    }
}

/// Converts one feature's polygons to WGS84 and checks them.
fn convert(name: &str, polygons: &[Rings], crs: Crs) -> Result<MultiPolygon<f64>, Refusal> {
    let invalid = || Refusal::InvalidPolygon(name.to_owned());
    let mut out = Vec::with_capacity(polygons.len());
    for rings in polygons {
        let mut converted = Vec::with_capacity(rings.len());
        for ring in rings {
            let closed = ring.len() >= 4 && ring.first() == ring.last();
            if !closed {
                return Err(invalid());
            }
            let mut coords = Vec::with_capacity(ring.len());
            for p in ring {
                let (x, y) = xy(p).ok_or_else(invalid)?;
                let (lon, lat) = match crs {
                    Crs::Wgs84 => (x, y),
                    Crs::Sweref99Tm => sweref_to_wgs84(x, y).ok_or_else(invalid)?,
                };
                if !in_sweden(lon, lat) {
                    return Err(Refusal::OutsideSweden(name.to_owned()));
                }
                coords.push(Coord { x: lon, y: lat });
            }
            converted.push(LineString::new(coords));
        }
        let mut rings = converted.into_iter();
        let exterior = rings.next().ok_or_else(invalid)?;
        out.push(Polygon::new(exterior, rings.collect()));
    }
    let shape = MultiPolygon::new(out);
    if shape.0.is_empty() || !shape.is_valid() {
        return Err(invalid());
    }
    Ok(shape)
}

/// Whether a WGS84 point lies in (a box around) Sweden.
pub fn in_sweden(lon: f64, lat: f64) -> bool {
    (SWEDEN.0..=SWEDEN.2).contains(&lon) && (SWEDEN.1..=SWEDEN.3).contains(&lat)
}

/// SWEREF 99 TM east/north in metres to WGS84 longitude/latitude in degrees.
pub fn sweref_to_wgs84(east: f64, north: f64) -> Option<(f64, f64)> {
    let from = Proj::from_proj_string(SWEREF99TM).ok()?;
    let to = Proj::from_proj_string(WGS84).ok()?;
    let mut p = (east, north, 0.0);
    proj4rs::transform::transform(&from, &to, &mut p).ok()?;
    // proj4rs gives geographic coordinates in radians.
    let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
    (lon.is_finite() && lat.is_finite()).then_some((lon, lat))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(features: &str) -> String {
        format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#)
    }

    fn square(name: &str, x: f64, y: f64, d: f64) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"namn":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}}}}"#,
            x2 = x + d,
            y2 = y + d
        )
    }

    #[test]
    fn a_wgs84_square_is_read_with_its_name() {
        let shapes = read(collection(&square("Frövi", 15.3, 59.4, 0.05)).as_bytes()).expect("read");
        assert_eq!(shapes.len(), 1);
        assert_eq!(shapes[0].name, "Frövi");
        assert_eq!(
            shapes[0].shape.0[0].exterior().0[0],
            Coord { x: 15.3, y: 59.4 }
        );
    }

    #[test]
    fn sweref_99_tm_on_the_central_meridian_converts_to_15_degrees_east() {
        let (lon, lat) = sweref_to_wgs84(500_000.0, 6_600_000.0).expect("converts");
        assert!((lon - 15.0).abs() < 1e-6, "{lon}");
        assert!((59.0..60.0).contains(&lat), "{lat}");
    }

    #[test]
    fn a_sweref_square_is_guessed_and_converted() {
        let shapes = read(collection(&square("Nora", 500_000.0, 6_600_000.0, 1000.0)).as_bytes())
            .expect("read");
        let c = shapes[0].shape.0[0].exterior().0[2];
        assert!(
            (c.x - 15.0).abs() < 0.05 && (59.0..60.0).contains(&c.y),
            "{c:?}"
        );
    }

    #[test]
    fn bad_files_are_refused_with_the_right_reason() {
        let bowtie = r#"{"type":"Feature","properties":{"namn":"X"},"geometry":{"type":"Polygon","coordinates":[[[15,59],[15.1,59.1],[15.1,59],[15,59.1],[15,59]]]}}"#;
        let open = r#"{"type":"Feature","properties":{"namn":"X"},"geometry":{"type":"Polygon","coordinates":[[[15,59],[15.1,59],[15.1,59.1],[15,59.1]]]}}"#;
        let line = r#"{"type":"Feature","properties":{"namn":"X"},"geometry":{"type":"LineString","coordinates":[[15,59],[15.1,59]]}}"#;
        let cases: Vec<(String, Refusal)> = vec![
            ("inte json".into(), Refusal::NotGeoJson),
            (r#"{"type":"Nonsense"}"#.into(), Refusal::NotGeoJson),
            (collection(""), Refusal::NoFeatures),
            (collection(bowtie), Refusal::InvalidPolygon("X".into())),
            (collection(open), Refusal::InvalidPolygon("X".into())),
            (collection(line), Refusal::NotPolygon("X".into())),
            (
                collection(&square("Paris", 2.3, 48.8, 0.1)),
                Refusal::OutsideSweden("Paris".into()),
            ),
            (
                collection(&square("Omvänd", 59.4, 15.3, 0.05)),
                Refusal::OutsideSweden("Omvänd".into()),
            ),
            (
                collection(&square("RT90", 1_450_000.0, 6_600_000.0, 1000.0)),
                Refusal::UnknownCrs,
            ),
            (
                collection(&square("A", 15.0, 59.0, 0.1)).replacen(
                    '{',
                    r#"{"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3021"}},"#,
                    1,
                ),
                Refusal::UnknownCrs,
            ),
            (
                collection(&square("A", 15.0, 59.0, 0.1).replace("namn", "kod")),
                Refusal::NoName(1),
            ),
            (
                collection(&format!(
                    "{},{}",
                    square("A", 15.0, 59.0, 0.1),
                    square("a", 15.2, 59.0, 0.1)
                )),
                Refusal::SameName("a".into()),
            ),
        ];
        for (file, want) in cases {
            assert_eq!(read(file.as_bytes()).err(), Some(want), "{file}");
        }
        assert_eq!(
            read(&vec![b' '; MAX_UPLOAD_BYTES + 1]).err(),
            Some(Refusal::TooLarge)
        );
    }

    #[test]
    fn a_declared_crs_is_followed() {
        let file = collection(&square("A", 500_000.0, 6_600_000.0, 1000.0)).replacen(
            '{',
            r#"{"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3006"}},"#,
            1,
        );
        assert_eq!(read(file.as_bytes()).map(|s| s.len()), Ok(1));
    }
}
