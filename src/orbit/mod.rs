//! Orbital geometry: epochs, sun ephemeris, orbits with J2 drift, eclipses, beta angle, attitude.
