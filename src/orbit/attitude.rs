//! Attitude: the body axes in the inertial frame, from a pointing mode and the orbit/Sun state.
//!
//! A frame is fixed by two body axes and two targets (the TRIAD construction: the primary body
//! axis points exactly at its target; the secondary body axis comes as close to its target as
//! the primary allows — Shuster & Oh 1981; Wertz, *Spacecraft Attitude Determination and
//! Control*, §12.2). Surfaces are given by their outward normal in the body frame.

use nalgebra::{Matrix3, Vector3};

use crate::error::OrbitError;

/// A direction the spacecraft can point a body axis at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Towards the Sun (from the satellite).
    Sun,
    /// Towards the Earth's centre (−r̂).
    Nadir,
    /// Away from the Earth's centre (r̂).
    Zenith,
    /// Along the inertial velocity.
    Velocity,
    /// Along the orbit normal ĥ = r × v / |r × v|.
    OrbitNormal,
    /// Against the orbit normal.
    AntiOrbitNormal,
    /// A fixed inertial direction (J2000 axes; need not be unit length).
    Inertial(Vector3<f64>),
}

/// How the spacecraft points.
#[derive(Debug, Clone, PartialEq)]
pub enum Attitude {
    /// Local vertical / local horizontal (LVLH, the ISS convention): body +z to nadir,
    /// body −y along the orbit normal (+y = −ĥ), body +x = y × z (along the velocity for a
    /// circular orbit).
    Nadir,
    /// `axis` (body) at the Sun; `secondary_axis` (body) as close as possible to
    /// `secondary_target` (e.g. the orbit normal).
    SunPointing {
        axis: Vector3<f64>,
        secondary_axis: Vector3<f64>,
        secondary_target: Target,
    },
    /// Body axes fixed in inertial space: `body_to_inertial` maps body to J2000 axes (must be
    /// a rotation; see [`Attitude::inertial_from_axes`]).
    InertialFixed { body_to_inertial: Matrix3<f64> },
    /// `pointing_axis` (body) exactly at `pointing_target` (e.g. nadir) and `edge_on_axis`
    /// (body) perpendicular to the Sun: along ±(target × ŝ), the sign chosen so it has a
    /// non-negative component along the orbit normal. Radiators whose normal is
    /// `±edge_on_axis` then see the Sun edge-on (yaw steering). When the Sun lies along the
    /// target, the edge-on axis falls back to the orbit normal.
    SunPerpendicular {
        edge_on_axis: Vector3<f64>,
        pointing_axis: Vector3<f64>,
        pointing_target: Target,
    },
    /// General two-vector pointing: `primary_axis` at `primary_target` exactly,
    /// `secondary_axis` as close as possible to `secondary_target`.
    TwoVector {
        primary_axis: Vector3<f64>,
        primary_target: Target,
        secondary_axis: Vector3<f64>,
        secondary_target: Target,
    },
}

/// What an attitude law needs to know at one instant (Earth-centred J2000, any length units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointingContext {
    /// Satellite position.
    pub position: Vector3<f64>,
    /// Satellite velocity.
    pub velocity: Vector3<f64>,
    /// Unit vector from the satellite to the Sun.
    pub sun: Vector3<f64>,
}

impl PointingContext {
    /// Unit vector of a target in J2000 axes.
    pub fn direction(&self, target: &Target) -> Vector3<f64> {
        let h = self.position.cross(&self.velocity);
        let unit = |v: Vector3<f64>| v / v.norm();
        match target {
            Target::Sun => self.sun,
            Target::Nadir => -unit(self.position),
            Target::Zenith => unit(self.position),
            Target::Velocity => unit(self.velocity),
            Target::OrbitNormal => unit(h),
            Target::AntiOrbitNormal => -unit(h),
            Target::Inertial(v) => unit(*v),
        }
    }
}

const PARALLEL_TOL: f64 = 1e-9;

fn unit_axis(v: &Vector3<f64>, what: &'static str) -> Result<Vector3<f64>, OrbitError> {
    let n = v.norm();
    if !(n.is_finite() && n > 0.0) {
        return Err(OrbitError::ZeroVector { quantity: what });
    }
    Ok(v / n)
}

/// TRIAD: the rotation taking body vectors to inertial ones such that body `p_b` maps onto
/// inertial `p_i` exactly and body `s_b` lies in the plane of `p_i` and `s_i`, on the side of
/// `s_i`. Columns `t1 = p`, `t2 = p × s / |p × s|`, `t3 = t1 × t2` in each frame; the rotation
/// is `[t_i][t_b]ᵀ` (Shuster & Oh 1981). Returns `None` if `p_i ∥ s_i`.
pub fn triad(
    p_b: &Vector3<f64>,
    s_b: &Vector3<f64>,
    p_i: &Vector3<f64>,
    s_i: &Vector3<f64>,
) -> Option<Matrix3<f64>> {
    let frame = |p: &Vector3<f64>, s: &Vector3<f64>| -> Option<Matrix3<f64>> {
        let t1 = p / p.norm();
        let c = t1.cross(s);
        let n = c.norm();
        if n < PARALLEL_TOL * s.norm() {
            return None;
        }
        let t2 = c / n;
        let t3 = t1.cross(&t2);
        Some(Matrix3::from_columns(&[t1, t2, t3]))
    };
    let b = frame(p_b, s_b)?;
    let i = frame(p_i, s_i)?;
    Some(i * b.transpose())
}

impl Attitude {
    /// Checks axis lengths and that paired body axes are not parallel.
    pub fn validate(&self) -> Result<(), OrbitError> {
        let pair = |a: &Vector3<f64>, b: &Vector3<f64>, what: &str| -> Result<(), OrbitError> {
            let a = unit_axis(a, "attitude body axis")?;
            let b = unit_axis(b, "attitude body axis")?;
            if a.cross(&b).norm() < 1e-6 {
                return Err(OrbitError::ParallelAxes {
                    what: what.to_string(),
                });
            }
            Ok(())
        };
        match self {
            Attitude::Nadir => Ok(()),
            Attitude::SunPointing {
                axis,
                secondary_axis,
                secondary_target,
            } => {
                check_target(secondary_target)?;
                pair(
                    axis,
                    secondary_axis,
                    "the sun-pointing axis and the secondary axis",
                )
            }
            Attitude::InertialFixed { body_to_inertial } => {
                let m = body_to_inertial;
                let ortho = (m.transpose() * m - Matrix3::identity()).norm();
                if !(ortho < 1e-6 && (m.determinant() - 1.0).abs() < 1e-6) {
                    return Err(OrbitError::OutOfRange {
                        quantity: "inertial attitude matrix",
                        value: ortho,
                        allowed: "a proper rotation (orthonormal, determinant +1)",
                    });
                }
                Ok(())
            }
            Attitude::SunPerpendicular {
                edge_on_axis,
                pointing_axis,
                pointing_target,
            } => {
                check_target(pointing_target)?;
                if matches!(pointing_target, Target::Sun) {
                    return Err(OrbitError::ParallelAxes {
                        what: "the pointing target (the Sun) and the Sun".into(),
                    });
                }
                pair(
                    edge_on_axis,
                    pointing_axis,
                    "the edge-on axis and the pointing axis",
                )
            }
            Attitude::TwoVector {
                primary_axis,
                primary_target,
                secondary_axis,
                secondary_target,
            } => {
                check_target(primary_target)?;
                check_target(secondary_target)?;
                if primary_target == secondary_target {
                    return Err(OrbitError::ParallelAxes {
                        what: "the primary and secondary targets".into(),
                    });
                }
                pair(
                    primary_axis,
                    secondary_axis,
                    "the primary and secondary body axes",
                )
            }
        }
    }

    /// An inertially fixed attitude with `primary_axis` (body) along `primary_dir` (J2000) and
    /// `secondary_axis` as close as possible to `secondary_dir`.
    pub fn inertial_from_axes(
        primary_axis: Vector3<f64>,
        primary_dir: Vector3<f64>,
        secondary_axis: Vector3<f64>,
        secondary_dir: Vector3<f64>,
    ) -> Result<Self, OrbitError> {
        let p_b = unit_axis(&primary_axis, "primary body axis")?;
        let s_b = unit_axis(&secondary_axis, "secondary body axis")?;
        let p_i = unit_axis(&primary_dir, "primary inertial direction")?;
        let s_i = unit_axis(&secondary_dir, "secondary inertial direction")?;
        let m = triad(&p_b, &s_b, &p_i, &s_i).ok_or_else(|| OrbitError::ParallelAxes {
            what: "the body axes or the inertial directions".into(),
        })?;
        Ok(Attitude::InertialFixed {
            body_to_inertial: m,
        })
    }

    /// Rotation taking body-frame vectors to J2000 axes at this instant. Degenerate
    /// geometry (a target along the primary target, e.g. the Sun at the orbit normal for
    /// sun-pointing with an orbit-normal secondary) falls back to a perpendicular secondary
    /// target (the orbit normal, or the velocity) so the frame is always defined.
    pub fn body_to_inertial(&self, ctx: &PointingContext) -> Matrix3<f64> {
        match self {
            Attitude::Nadir => {
                let z = ctx.direction(&Target::Nadir);
                let y = ctx.direction(&Target::AntiOrbitNormal);
                let x = y.cross(&z);
                Matrix3::from_columns(&[x, y, z])
            }
            Attitude::InertialFixed { body_to_inertial } => *body_to_inertial,
            Attitude::SunPointing {
                axis,
                secondary_axis,
                secondary_target,
            } => two_vector(ctx, axis, ctx.sun, secondary_axis, secondary_target),
            Attitude::TwoVector {
                primary_axis,
                primary_target,
                secondary_axis,
                secondary_target,
            } => two_vector(
                ctx,
                primary_axis,
                ctx.direction(primary_target),
                secondary_axis,
                secondary_target,
            ),
            Attitude::SunPerpendicular {
                edge_on_axis,
                pointing_axis,
                pointing_target,
            } => {
                let d = ctx.direction(pointing_target);
                let h = ctx.direction(&Target::OrbitNormal);
                let mut e = d.cross(&ctx.sun);
                if e.norm() < 1e-9 {
                    e = h - d * h.dot(&d);
                    if e.norm() < 1e-9 {
                        e = ctx.direction(&Target::Velocity);
                    }
                }
                if e.dot(&h) < 0.0 {
                    e = -e;
                }
                triad(pointing_axis, edge_on_axis, &d, &e).unwrap_or_else(Matrix3::identity)
            }
        }
    }
}

fn check_target(t: &Target) -> Result<(), OrbitError> {
    if let Target::Inertial(v) = t {
        unit_axis(v, "inertial target direction")?;
    }
    Ok(())
}

fn two_vector(
    ctx: &PointingContext,
    p_b: &Vector3<f64>,
    p_i: Vector3<f64>,
    s_b: &Vector3<f64>,
    s_target: &Target,
) -> Matrix3<f64> {
    let s_i = ctx.direction(s_target);
    if let Some(m) = triad(p_b, s_b, &p_i, &s_i) {
        return m;
    }
    for fallback in [Target::OrbitNormal, Target::Velocity, Target::Nadir] {
        if let Some(m) = triad(p_b, s_b, &p_i, &ctx.direction(&fallback)) {
            return m;
        }
    }
    Matrix3::identity()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> PointingContext {
        PointingContext {
            position: Vector3::new(7000.0, 0.0, 0.0),
            velocity: Vector3::new(0.0, 5.0, 5.0),
            sun: Vector3::new(0.6, 0.0, 0.8),
        }
    }

    fn is_rotation(m: &Matrix3<f64>) -> bool {
        (m.transpose() * m - Matrix3::identity()).norm() < 1e-12
            && (m.determinant() - 1.0).abs() < 1e-12
    }

    #[test]
    fn nadir_frame() {
        let m = Attitude::Nadir.body_to_inertial(&ctx());
        assert!(is_rotation(&m));
        assert!((m * Vector3::z() - Vector3::new(-1.0, 0.0, 0.0)).norm() < 1e-12);
        assert!((m * Vector3::x()).dot(&ctx().velocity) > 0.0);
    }

    #[test]
    fn sun_pointing_and_sun_perpendicular() {
        let c = ctx();
        let sp = Attitude::SunPointing {
            axis: Vector3::x(),
            secondary_axis: Vector3::z(),
            secondary_target: Target::OrbitNormal,
        };
        let m = sp.body_to_inertial(&c);
        assert!(is_rotation(&m));
        assert!((m * Vector3::x() - c.sun).norm() < 1e-12);
        let perp = Attitude::SunPerpendicular {
            edge_on_axis: Vector3::y(),
            pointing_axis: Vector3::z(),
            pointing_target: Target::Nadir,
        };
        let m = perp.body_to_inertial(&c);
        assert!(is_rotation(&m));
        assert!((m * Vector3::y()).dot(&c.sun).abs() < 1e-12);
        assert!((m * Vector3::z() - c.direction(&Target::Nadir)).norm() < 1e-12);
    }
}
