//! QUIC: decrypt client Initial packets and read the ClientHello they carry.
