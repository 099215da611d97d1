//! DNS messages on the wire, and the answers they bind to addresses.
