//! Physics: what round-trip times prove about where a server can be.
//!
//! A reply cannot travel faster than light, so the smallest round-trip time measured at the
//! capture point bounds the distance to the server that answered. Compared with the country a
//! geolocation database claims (as country geometry), that bound confirms the claim, or
//! contradicts it.

pub mod anycast;
pub mod geometry;
pub mod vantage;
