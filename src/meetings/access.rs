//! Moved to [`crate::web::seats`]; est still names it here until it is
//! moved over (it is being edited elsewhere).

pub use crate::web::seats::Access;
