//! Demo data for the map: schematic boundaries drawn around the real
//! localities of Lindesberg and Nora, and schematic outlines of the two
//! municipalities. They are marked schematic, and the pages say so: they
//! are not the municipalities' real boundaries.

use crate::tenant::MunicipalityId;
use std::f64::consts::PI;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use sqlx::PgConnection;
use sqlx::types::Json;

/// Localities: (area name, latitude, longitude, radius in km).
const LOCALITIES: [(&str, f64, f64, f64); 10] = [
    ("Lindesberg", 59.5939, 15.2267, 3.0),
    ("Frövi", 59.4667, 15.3667, 2.0),
    ("Fellingsbro", 59.4333, 15.5833, 1.8),
    ("Storå", 59.7147, 15.1325, 1.0),
    ("Vedevåg", 59.5200, 15.2933, 1.2),
    ("Guldsmedshyttan", 59.6967, 15.1083, 0.9),
    ("Ramsberg", 59.7700, 14.9900, 1.2),
    ("Nora", 59.5194, 15.0389, 1.6),
    ("Gyttorp", 59.5133, 15.1167, 1.0),
    ("Pershyttan", 59.4967, 14.9950, 0.7),
];

/// Schematic outlines: (municipality name, corners as longitude, latitude).
const OUTLINES: [(&str, &[(f64, f64)]); 2] = [
    (
        "Lindesbergs kommun",
        &[
            (14.90, 59.80),
            (15.05, 59.88),
            (15.30, 59.86),
            (15.45, 59.72),
            (15.70, 59.52),
            (15.72, 59.40),
            (15.50, 59.36),
            (15.30, 59.40),
            (15.17, 59.47),
            (15.16, 59.56),
            (15.02, 59.66),
        ],
    ),
    (
        "Nora kommun",
        &[
            (14.78, 59.66),
            (14.98, 59.70),
            (15.10, 59.64),
            (15.15, 59.56),
            (15.16, 59.46),
            (15.05, 59.38),
            (14.85, 59.39),
            (14.75, 59.50),
        ],
    ),
];

/// A lobed ring of `radius_km` around a point, so that it looks drawn by
/// hand rather than like a real boundary.
fn blob(lat: f64, lon: f64, radius_km: f64) -> MultiPolygon<f64> {
    let km_lat = 1.0 / 111.32;
    let km_lon = km_lat / lat.to_radians().cos();
    let mut ring: Vec<Coord<f64>> = (0..12)
        .map(|i| {
            let t = f64::from(i) * 2.0 * PI / 12.0;
            let r = radius_km * (1.0 + 0.15 * (3.0 * t).sin());
            Coord {
                x: lon + r * t.cos() * km_lon,
                y: lat + r * t.sin() * km_lat,
            }
        })
        .collect();
    ring.push(ring[0]);
    MultiPolygon::new(vec![Polygon::new(LineString::new(ring), vec![])])
}

fn polygon(corners: &[(f64, f64)]) -> MultiPolygon<f64> {
    let mut ring: Vec<Coord<f64>> = corners.iter().map(|&(x, y)| Coord { x, y }).collect();
    ring.extend(ring.first().copied());
    MultiPolygon::new(vec![Polygon::new(LineString::new(ring), vec![])])
}

fn json(shape: &MultiPolygon<f64>) -> Json<geojson::Geometry> {
    Json(geojson::Geometry::new(geojson::GeometryValue::from(shape)))
}

/// Gives Lindesberg's and Nora's areas and outline their schematic shapes,
/// where nothing was uploaded (idempotent).
pub async fn load(conn: &mut PgConnection, m: MunicipalityId) -> sqlx::Result<()> {
    let name = sqlx::query_scalar!("select name from municipality where id = $1", m.get())
        .fetch_one(&mut *conn)
        .await?;
    let Some((_, corners)) = OUTLINES.iter().find(|(n, _)| *n == name) else {
        return Ok(());
    };
    sqlx::query!(
        "update municipality set outline = $2, outline_schematic = true where id = $1 and outline is null",
        m.get(),
        json(&polygon(corners)) as _
    )
    .execute(&mut *conn)
    .await?;
    for (area, lat, lon, radius) in LOCALITIES {
        sqlx::query!(
            r#"update area set boundary = $3, boundary_schematic = true
               where municipality_id = $1 and name = $2 and boundary is null"#,
            m.get(),
            area,
            json(&blob(lat, lon, radius)) as _
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Places six in ten of the demo incidents on the map, spread inside
/// their area's schematic boundary (the spread follows from each
/// incident's id, so loading again changes nothing).
pub async fn points(conn: &mut PgConnection, m: MunicipalityId) -> sqlx::Result<()> {
    for (area, lat, lon, radius) in LOCALITIES {
        let d_lat = radius / 111.32;
        let d_lon = d_lat / lat.to_radians().cos();
        sqlx::query!(
            r#"update est_incident i
               set latitude = $3::float8 + $4::float8 * 1.1 * ((abs(hashtext(i.id::text)) % 1000) / 1000.0 - 0.5)::float8,
                   longitude = $5::float8 + $6::float8 * 1.1 * ((abs(hashtext(i.id::text || 'o')) % 1000) / 1000.0 - 0.5)::float8
               from area a
               where a.id = i.area_id and a.municipality_id = $1 and a.name = $2 and i.municipality_id = $1
                 and i.latitude is null and abs(hashtext(i.id::text || 'p')) % 10 < 6"#,
            m.get(),
            area,
            lat,
            d_lat,
            lon,
            d_lon
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use geo::{Contains, Intersects, Point, Validation};

    use super::*;

    #[test]
    fn every_schematic_shape_is_valid_and_inside_its_outline() {
        let lindesberg = polygon(OUTLINES[0].1);
        let nora = polygon(OUTLINES[1].1);
        assert!(lindesberg.is_valid() && nora.is_valid());
        for (name, lat, lon, radius) in LOCALITIES {
            let shape = blob(lat, lon, radius);
            assert!(shape.is_valid(), "{name}");
            let outline = if ["Nora", "Gyttorp", "Pershyttan"].contains(&name) {
                &nora
            } else {
                &lindesberg
            };
            assert!(outline.contains(&shape), "{name} inside its municipality");
            assert!(outline.contains(&Point::new(lon, lat)));
            for (other, lat2, lon2, radius2) in LOCALITIES {
                if other != name {
                    assert!(
                        !shape.intersects(&blob(lat2, lon2, radius2)),
                        "{name} and {other} apart"
                    );
                }
            }
        }
    }
}
