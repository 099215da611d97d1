//! STUN/TURN messages (RFC 5389 / 8656) and Microsoft MS-TURN.
