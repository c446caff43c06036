"""Tests of wfm.theory.ld_rsb (frozen one-step RSB of the external measure of the large deviations).

Checks: Σ_ext(d; y*) = 0 and the returned y* is a stationary point of Φ_RS(ym)/m in the Parisi parameter m
(finite differences); the frozen curve lies below the RS y → ∞ curve where RS has Σ_ext < 0 and equals it
where Σ_ext >= 0; dS/dd = 2 p̂(d; y*) against finite differences of the frozen curve.
"""
import warnings

import numpy as np
import pytest

from wfm.theory import ReplicaSymmetryWarning
from wfm.theory import ld_finite_y as F
from wfm.theory import ld_rsb as R

ALPHA = 0.6


@pytest.fixture(scope="module")
def frozen():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        return R.frozen_external_curve(ALPHA, [0.02, 0.05, 0.1])


def test_external_entropy_decreases_with_y():
    # the premise of the frozen ansatz: Σ_ext(d; y) decreases in y (from ln 2 at y -> 0), so y* is unique;
    # at α = 0.6, d = 0.02 it changes sign between y = 7 and y = 21 (the frozen y* is 13.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        sig = [F.large_deviation_curve(ALPHA, [0.02], y).Sigma_ext[0] for y in (3.0, 7.0, 21.0, 50.0)]
    assert np.all(np.diff(sig) < 0) and sig[0] < np.log(2) and sig[1] > 0 > sig[2]


@pytest.mark.slow
def test_frozen_curve_basic(frozen):
    assert np.all(frozen.frozen) and np.all(np.isfinite(frozen.S))
    assert np.all(frozen.Sigma_ext_rs < 0)
    assert np.all(frozen.S < frozen.S_rs) and np.all(np.diff(frozen.S) > 0)
    assert np.all((frozen.y_star > 1) & (frozen.y_star < 1e4))


@pytest.mark.slow
def test_y_star_is_stationary_in_the_parisi_parameter(frozen):
    # Φ_1RSB(y; m) = Φ_RS(ym)/m at fixed y: d/dm = 0 at m* = y*/y (take y = 2 y*, m* = 1/2)
    i = 1
    d, ys = frozen.d[i], frozen.y_star[i]
    y = 2 * ys

    def phi_1rsb(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ReplicaSymmetryWarning)
            c = F.large_deviation_curve(ALPHA, [d], y * m)
        return y * m * c.phi[0] / m

    # central differences at h and 2h, Richardson-combined: the plain differences are -7.0e-6 (h = 2e-3) and
    # -1.7e-6 (h = 1e-3), their h^2 truncation error (Phi_1RSB(m) = y phi_RS(ym) is strongly curved); combined ~1e-10
    h = 1e-3
    v = {k: phi_1rsb(0.5 + k * h) for k in (-2, -1, 0, 1, 2)}
    d1, d2 = (v[1] - v[-1]) / (2 * h), (v[2] - v[-2]) / (4 * h)
    assert abs((4 * d1 - d2) / 3) < 1e-7 * abs(v[0])
    assert v[0] < v[-1] and v[0] < v[1]  # a minimum in m (n -> 0: the extremum is a minimum)
    c = F.large_deviation_curve(ALPHA, [d], ys)
    assert abs(c.Sigma_ext[0]) < 1e-8 and abs(c.S_int[0] - frozen.S[i]) < 1e-10


@pytest.mark.slow
def test_slope_is_two_p_hat(frozen):
    i = 1
    d, h = frozen.d[i], 1e-4 * frozen.d[i]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        s = R.frozen_external_curve(ALPHA, [d - h, d + h]).S
    assert abs((s[1] - s[0]) / (2 * h) - 2 * frozen.p_hat[i]) < 1e-5


@pytest.mark.slow
def test_frozen_at_finite_y(frozen):
    # y* depends on d only: at y = 20 the frozen part (RS Sigma_ext(d; 20) < 0, d = 0.02) equals the y = inf
    # frozen value; where RS Sigma_ext(d; 20) > 0 (d = 0.1) the curve is the RS S_int(d; 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReplicaSymmetryWarning)
        c = R.frozen_external_curve(ALPHA, [0.02, 0.1], y=20.0)
        rs = F.large_deviation_curve(ALPHA, [0.02, 0.1], 20.0)
    assert list(c.frozen) == [True, False] and c.y == 20.0
    assert abs(c.S[0] - frozen.S[0]) < 1e-9 and abs(c.y_star[0] - frozen.y_star[0]) < 1e-6 * frozen.y_star[0]
    assert c.y_star[0] < 20 and c.S[0] < rs.S_int[0]
    assert c.S[1] == rs.S_int[1] and np.isinf(c.y_star[1])
