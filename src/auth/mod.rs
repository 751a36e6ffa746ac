//! Sign-in, sessions, the account page and password handling.

pub mod client;
pub mod identity;
pub mod password;
pub mod routes;
pub mod session_store;
pub mod throttle;

pub use routes::router;
