//! TLS: the ClientHello's server name (and ECH), and TLS 1.2 certificate names.
