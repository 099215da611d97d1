//! The first bytes of one TCP direction, in order.
