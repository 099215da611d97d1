//! HTTP/1.x request Host.
