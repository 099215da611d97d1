//! Services: a dated catalog of who runs which names and addresses, and its matcher.
