"""Tests of course_utils.optimizers.

Known answers are computed here with plain Python floats, one equation at a time, from
torch.optim's documented update rules; they do not call the code under test.
"""

import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

from course_utils.optimizers import (
    OPTIMIZERS,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    Nadam,
    RMSProp,
    Trajectory,
    make_optimizer,
    run,
    run_starts,
)
from course_utils.schedules import step_decay

W0 = [1.0, -2.0]
G = [[0.5, -1.0], [-0.3, 0.2], [0.1, 0.4]]  # the gradients fed to steps 1, 2, 3


def take_steps(opt, grads, w0=W0):
    """Feed fixed gradients; return [w1, w2, ...]."""
    w = np.array(w0)
    state = opt.init(w)
    out = []
    for g in grads:
        w, state = opt.step(w, np.array(g), state)
        out.append(w)
    return out


def check(opt, expected, rtol=1e-12):
    got = take_steps(opt, G[: len(expected)])
    for k, (w, want) in enumerate(zip(got, expected, strict=True)):
        assert_allclose(w, want, rtol=rtol, atol=1e-15, err_msg=f"step {k + 1}")


# --- known answers: SGD ---------------------------------------------------------------


def test_sgd_plain():
    lr = 0.1
    w1 = [W0[i] - lr * G[0][i] for i in range(2)]
    w2 = [w1[i] - lr * G[1][i] for i in range(2)]
    check(SGD(lr=lr), [w1, w2])


def test_sgd_momentum_first_step_uses_raw_gradient():
    lr, mu = 0.1, 0.9
    v1 = G[0]  # torch: the buffer starts as the gradient itself
    w1 = [W0[i] - lr * v1[i] for i in range(2)]
    v2 = [mu * v1[i] + G[1][i] for i in range(2)]
    w2 = [w1[i] - lr * v2[i] for i in range(2)]
    v3 = [mu * v2[i] + G[2][i] for i in range(2)]
    w3 = [w2[i] - lr * v3[i] for i in range(2)]
    check(SGD(lr=lr, momentum=mu), [w1, w2, w3])


def test_sgd_dampening_skips_first_step():
    lr, mu, tau = 0.1, 0.9, 0.5
    v1 = G[0]  # no dampening on the first step
    w1 = [W0[i] - lr * v1[i] for i in range(2)]
    v2 = [mu * v1[i] + (1 - tau) * G[1][i] for i in range(2)]
    w2 = [w1[i] - lr * v2[i] for i in range(2)]
    check(SGD(lr=lr, momentum=mu, dampening=tau), [w1, w2])


def test_sgd_nesterov():
    lr, mu = 0.1, 0.9
    v1 = G[0]
    d1 = [G[0][i] + mu * v1[i] for i in range(2)]
    w1 = [W0[i] - lr * d1[i] for i in range(2)]
    v2 = [mu * v1[i] + G[1][i] for i in range(2)]
    d2 = [G[1][i] + mu * v2[i] for i in range(2)]
    w2 = [w1[i] - lr * d2[i] for i in range(2)]
    check(SGD(lr=lr, momentum=mu, nesterov=True), [w1, w2])


def test_sgd_weight_decay_added_to_gradient_first():
    lr, mu, lam = 0.1, 0.5, 0.1
    g1 = [G[0][i] + lam * W0[i] for i in range(2)]
    v1 = g1
    w1 = [W0[i] - lr * v1[i] for i in range(2)]
    g2 = [G[1][i] + lam * w1[i] for i in range(2)]
    v2 = [mu * v1[i] + g2[i] for i in range(2)]
    w2 = [w1[i] - lr * v2[i] for i in range(2)]
    check(SGD(lr=lr, momentum=mu, weight_decay=lam), [w1, w2])


# --- Adagrad ------------------------------------------------------------------------------


def test_adagrad_lr_decay_and_initial_accumulator():
    lr, delta, G0, eps = 0.1, 0.5, 0.2, 1e-10
    lr1 = lr / (1 + 0 * delta)
    S1 = [G0 + G[0][i] ** 2 for i in range(2)]
    w1 = [W0[i] - lr1 * G[0][i] / (math.sqrt(S1[i]) + eps) for i in range(2)]
    lr2 = lr / (1 + 1 * delta)
    S2 = [S1[i] + G[1][i] ** 2 for i in range(2)]
    w2 = [w1[i] - lr2 * G[1][i] / (math.sqrt(S2[i]) + eps) for i in range(2)]
    lr3 = lr / (1 + 2 * delta)
    S3 = [S2[i] + G[2][i] ** 2 for i in range(2)]
    w3 = [w2[i] - lr3 * G[2][i] / (math.sqrt(S3[i]) + eps) for i in range(2)]
    check(Adagrad(lr=lr, lr_decay=delta, initial_accumulator_value=G0), [w1, w2, w3])


def test_adagrad_first_step_is_sign_step():
    # G_1 = g^2, so g / sqrt(G_1) = sign(g): every coordinate moves by lr.
    (w1,) = take_steps(Adagrad(lr=0.01), G[:1])
    assert_allclose(w1, [1.0 - 0.01, -2.0 + 0.01], rtol=1e-9)


# --- RMSProp ------------------------------------------------------------------------------


def test_rmsprop_plain():
    lr, a, eps = 0.01, 0.99, 1e-8
    v1 = [(1 - a) * G[0][i] ** 2 for i in range(2)]
    w1 = [W0[i] - lr * G[0][i] / (math.sqrt(v1[i]) + eps) for i in range(2)]
    v2 = [a * v1[i] + (1 - a) * G[1][i] ** 2 for i in range(2)]
    w2 = [w1[i] - lr * G[1][i] / (math.sqrt(v2[i]) + eps) for i in range(2)]
    check(RMSProp(lr=lr), [w1, w2])


def test_rmsprop_momentum():
    lr, a, eps, mu = 0.01, 0.9, 1e-8, 0.9
    v1 = [(1 - a) * G[0][i] ** 2 for i in range(2)]
    b1 = [G[0][i] / (math.sqrt(v1[i]) + eps) for i in range(2)]
    w1 = [W0[i] - lr * b1[i] for i in range(2)]
    v2 = [a * v1[i] + (1 - a) * G[1][i] ** 2 for i in range(2)]
    b2 = [mu * b1[i] + G[1][i] / (math.sqrt(v2[i]) + eps) for i in range(2)]
    w2 = [w1[i] - lr * b2[i] for i in range(2)]
    check(RMSProp(lr=lr, alpha=a, momentum=mu), [w1, w2])


def test_rmsprop_centered():
    lr, a, eps = 0.01, 0.9, 1e-8
    v1 = [(1 - a) * G[0][i] ** 2 for i in range(2)]
    m1 = [(1 - a) * G[0][i] for i in range(2)]
    w1 = [W0[i] - lr * G[0][i] / (math.sqrt(v1[i] - m1[i] ** 2) + eps) for i in range(2)]
    v2 = [a * v1[i] + (1 - a) * G[1][i] ** 2 for i in range(2)]
    m2 = [a * m1[i] + (1 - a) * G[1][i] for i in range(2)]
    w2 = [w1[i] - lr * G[1][i] / (math.sqrt(v2[i] - m2[i] ** 2) + eps) for i in range(2)]
    check(RMSProp(lr=lr, alpha=a, centered=True), [w1, w2])


# --- Adadelta -----------------------------------------------------------------------------


def test_adadelta():
    lr, rho, eps = 1.0, 0.9, 1e-6
    v1 = [(1 - rho) * G[0][i] ** 2 for i in range(2)]
    d1 = [math.sqrt(0.0 + eps) / math.sqrt(v1[i] + eps) * G[0][i] for i in range(2)]
    u1 = [(1 - rho) * d1[i] ** 2 for i in range(2)]
    w1 = [W0[i] - lr * d1[i] for i in range(2)]
    v2 = [rho * v1[i] + (1 - rho) * G[1][i] ** 2 for i in range(2)]
    d2 = [math.sqrt(u1[i] + eps) / math.sqrt(v2[i] + eps) * G[1][i] for i in range(2)]
    w2 = [w1[i] - lr * d2[i] for i in range(2)]
    check(Adadelta(), [w1, w2])


def test_adadelta_lr_multiplies_the_update():
    (w_half,) = take_steps(Adadelta(lr=0.5), G[:1])
    (w_one,) = take_steps(Adadelta(lr=1.0), G[:1])
    assert_allclose(np.array(W0) - w_half, 0.5 * (np.array(W0) - w_one), rtol=1e-12)


# --- Adam ---------------------------------------------------------------------------------


def adam_by_hand(lr, b1, b2, eps, lam=0.0, amsgrad=False, n=2):
    w, m, v, vmax, out = list(W0), [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], []
    for t in range(1, n + 1):
        g = [G[t - 1][i] + lam * w[i] for i in range(2)]
        m = [b1 * m[i] + (1 - b1) * g[i] for i in range(2)]
        v = [b2 * v[i] + (1 - b2) * g[i] ** 2 for i in range(2)]
        vmax = [max(vmax[i], v[i]) for i in range(2)]
        m_hat = [m[i] / (1 - b1**t) for i in range(2)]
        v_hat = [(vmax if amsgrad else v)[i] / (1 - b2**t) for i in range(2)]
        w = [w[i] - lr * m_hat[i] / (math.sqrt(v_hat[i]) + eps) for i in range(2)]
        out.append(w)
    return out


def test_adam_plain():
    check(Adam(lr=0.1), adam_by_hand(0.1, 0.9, 0.999, 1e-8, n=3))


def test_adam_first_step_is_sign_step():
    (w1,) = take_steps(Adam(lr=0.1), G[:1])
    assert_allclose(w1, [1.0 - 0.1, -2.0 + 0.1], rtol=1e-7)


def test_adam_weight_decay():
    check(Adam(lr=0.1, weight_decay=0.1), adam_by_hand(0.1, 0.9, 0.999, 1e-8, lam=0.1, n=3))


def test_adam_amsgrad_uses_running_max():
    # beta2 = 0.5 makes v fall at step 2 (g_2^2 < v_1), so the max matters.
    want = adam_by_hand(0.1, 0.9, 0.5, 1e-8, amsgrad=True, n=3)
    plain = adam_by_hand(0.1, 0.9, 0.5, 1e-8, amsgrad=False, n=3)
    assert not np.allclose(want[1], plain[1])
    check(Adam(lr=0.1, betas=(0.9, 0.5), amsgrad=True), want)


# --- Adamax and Nadam ---------------------------------------------------------------------


def test_adamax():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    m1 = [(1 - b1) * G[0][i] for i in range(2)]
    u1 = [max(b2 * 0.0, abs(G[0][i]) + eps) for i in range(2)]
    w1 = [W0[i] - lr / (1 - b1) * m1[i] / u1[i] for i in range(2)]
    m2 = [b1 * m1[i] + (1 - b1) * G[1][i] for i in range(2)]
    u2 = [max(b2 * u1[i], abs(G[1][i]) + eps) for i in range(2)]
    w2 = [w1[i] - lr / (1 - b1**2) * m2[i] / u2[i] for i in range(2)]
    check(Adamax(lr=lr), [w1, w2])


def test_nadam():
    lr, b1, b2, eps, psi = 0.1, 0.9, 0.999, 1e-8, 0.004
    mu1 = b1 * (1 - 0.5 * 0.96 ** (1 * psi))
    mu2 = b1 * (1 - 0.5 * 0.96 ** (2 * psi))
    mu3 = b1 * (1 - 0.5 * 0.96 ** (3 * psi))
    # step 1
    m1 = [(1 - b1) * G[0][i] for i in range(2)]
    v1 = [(1 - b2) * G[0][i] ** 2 for i in range(2)]
    d1 = [math.sqrt(v1[i] / (1 - b2)) + eps for i in range(2)]
    P1 = mu1
    w1 = [
        W0[i]
        - lr * (1 - mu1) / (1 - P1) * G[0][i] / d1[i]
        - lr * mu2 / (1 - P1 * mu2) * m1[i] / d1[i]
        for i in range(2)
    ]
    # step 2
    m2 = [b1 * m1[i] + (1 - b1) * G[1][i] for i in range(2)]
    v2 = [b2 * v1[i] + (1 - b2) * G[1][i] ** 2 for i in range(2)]
    d2 = [math.sqrt(v2[i] / (1 - b2**2)) + eps for i in range(2)]
    P2 = P1 * mu2
    w2 = [
        w1[i]
        - lr * (1 - mu2) / (1 - P2) * G[1][i] / d2[i]
        - lr * mu3 / (1 - P2 * mu3) * m2[i] / d2[i]
        for i in range(2)
    ]
    check(Nadam(lr=lr), [w1, w2])
    opt = Nadam(lr=lr)
    s = opt.init(np.array(W0))
    for g in G[:2]:
        _, s = opt.step(np.array(W0), np.array(g), s)
    assert s.t == 2
    assert_allclose(s.mu_product, P2, rtol=1e-15)
    assert_allclose(s.m, m2, rtol=1e-15)


# --- the step interface -------------------------------------------------------------------

CONFIGS = [
    SGD(lr=0.1),
    SGD(lr=0.1, momentum=0.9, nesterov=True),
    SGD(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1),
    Adagrad(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1),
    RMSProp(momentum=0.5, centered=True),
    Adadelta(weight_decay=0.1),
    Adam(amsgrad=True, weight_decay=0.1),
    Adamax(),
    Nadam(weight_decay=0.1),
]


@settings(max_examples=50, deadline=None)
@given(
    opt=st.sampled_from(CONFIGS),
    data=st.data(),
    shape=st.sampled_from([(1,), (3,), (2, 3)]),
)
def test_step_is_pure(opt, data, shape):
    floats = st.floats(-10, 10, allow_nan=False, width=64)
    w = data.draw(arrays(np.float64, shape, elements=floats))
    g1 = data.draw(arrays(np.float64, shape, elements=floats))
    g2 = data.draw(arrays(np.float64, shape, elements=floats))
    w1, state = opt.step(w, g1, opt.init(w))  # a non-trivial state
    inputs = (w1, g2) + tuple(state)
    copies = [np.copy(x) for x in inputs]
    w2, state2 = opt.step(w1, g2, state)
    for x, c in zip(inputs, copies, strict=True):
        assert_allclose(x, c, rtol=0, atol=0)
    assert w2.shape == shape and w2 is not w1
    assert state2.t == state.t + 1 == 2
    for field in state2._fields:
        value = getattr(state2, field)
        if isinstance(value, np.ndarray):
            assert value.shape == shape and value is not g2


def test_step_does_not_keep_a_reference_to_grad():
    opt = SGD(lr=0.1, momentum=0.9)
    g = np.array([1.0, 2.0])
    _, state = opt.step(np.zeros(2), g, opt.init(np.zeros(2)))
    g[:] = 100.0
    assert_allclose(state.v, [1.0, 2.0])


def test_lr_override_for_one_step():
    opt = SGD(lr=0.1)
    w, _ = opt.step(np.array(W0), np.array(G[0]), opt.init(np.array(W0)), lr=0.5)
    assert_allclose(w, [1.0 - 0.25, -2.0 + 0.5])
    assert opt.lr == 0.1
    w, _ = opt.step(np.array(W0), np.array(G[0]), opt.init(np.array(W0)), lr=0)
    assert_allclose(w, W0)


def test_step_propagates_non_finite_without_warning():
    opt = Adam()
    w, _ = opt.step(np.array([1.0]), np.array([np.inf]), opt.init(np.array([1.0])))
    assert not np.isfinite(w).all()


def test_defaults_are_torch_2_defaults():
    # copied from torch 2.13's torch/optim/*.py signatures
    torch_defaults = {
        SGD: dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False),
        Adagrad: dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10),
        RMSProp: dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False),
        Adadelta: dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0),
        Adam: dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False),
        Adamax: dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0),
        Nadam: dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3),
    }
    for cls, want in torch_defaults.items():
        params = inspect.signature(cls).parameters
        assert {k: p.default for k, p in params.items()} == want
        opt = cls()
        assert all(getattr(opt, k) == v for k, v in want.items())


def test_registry_names_and_repr():
    assert list(OPTIMIZERS) == ["SGD", "Adagrad", "RMSProp", "Adadelta", "Adam", "Adamax", "Nadam"]
    for name, cls in OPTIMIZERS.items():
        assert cls.name == name and isinstance(make_optimizer(name), cls)
    assert repr(make_optimizer("Adam", lr=0.1)) == (
        "Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False)"
    )
    assert make_optimizer("SGD", lr=0.5, momentum=0.9).momentum == 0.9


# --- validation ---------------------------------------------------------------------------

ALL = list(OPTIMIZERS.values())
WITH_EPS = [Adagrad, RMSProp, Adadelta, Adam, Adamax, Nadam]
WITH_BETAS = [Adam, Adamax, Nadam]


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("lr", [0, -0.1, math.inf])
def test_lr_must_be_positive(cls, lr):
    with pytest.raises(ValueError, match="lr"):
        cls(lr=lr)


@pytest.mark.parametrize("cls", ALL)
def test_weight_decay_must_be_nonnegative(cls):
    with pytest.raises(ValueError, match="weight_decay"):
        cls(weight_decay=-0.1)


@pytest.mark.parametrize("cls", WITH_EPS)
def test_eps_must_be_nonnegative(cls):
    with pytest.raises(ValueError, match="eps"):
        cls(eps=-1e-8)
    assert cls(eps=0).eps == 0


@pytest.mark.parametrize("cls", [SGD, RMSProp])
@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5])
def test_momentum_range(cls, momentum):
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        cls(momentum=momentum)


@pytest.mark.parametrize("dampening", [-0.1, 1.5])
def test_dampening_range(dampening):
    with pytest.raises(ValueError, match="dampening"):
        SGD(momentum=0.9, dampening=dampening)


@pytest.mark.parametrize(
    "kwargs", [dict(nesterov=True), dict(momentum=0.9, dampening=0.1, nesterov=True)]
)
def test_nesterov_needs_momentum_and_no_dampening(kwargs):
    with pytest.raises(ValueError, match="nesterov"):
        SGD(**kwargs)


@pytest.mark.parametrize("cls", WITH_BETAS)
def test_betas(cls):
    with pytest.raises(ValueError, match=r"betas\[0\] must be in \[0, 1\)"):
        cls(betas=(1.0, 0.999))
    with pytest.raises(ValueError, match=r"betas\[1\]"):
        cls(betas=(0.9, -0.1))
    for bad in [(0.9,), (0.9, 0.99, 0.999), 0.9]:
        with pytest.raises(ValueError, match="betas must be a pair"):
            cls(betas=bad)
    assert cls(betas=[0.0, 0.5]).betas == (0.0, 0.5)


@pytest.mark.parametrize("alpha", [-0.1, 1.0])
def test_alpha_range(alpha):
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\)"):
        RMSProp(alpha=alpha)


@pytest.mark.parametrize("rho", [-0.1, 1.1])
def test_rho_range(rho):
    with pytest.raises(ValueError, match=r"rho must be in \[0, 1\]"):
        Adadelta(rho=rho)
    assert Adadelta(rho=1.0).rho == 1.0 and Adadelta(rho=0.0).rho == 0.0


@pytest.mark.parametrize(
    "cls, name",
    [(Adagrad, "lr_decay"), (Adagrad, "initial_accumulator_value"), (Nadam, "momentum_decay")],
)
def test_other_nonnegative_parameters(cls, name):
    with pytest.raises(ValueError, match=name):
        cls(**{name: -0.1})


def test_make_optimizer_lists_names():
    with pytest.raises(ValueError, match="name must be one of 'SGD', 'Adagrad'"):
        make_optimizer("sgd")


def test_step_argument_checks():
    opt = Adam()
    w = np.zeros(3)
    state = opt.init(w)
    with pytest.raises(ValueError, match="grad must have the same shape as params"):
        opt.step(w, np.zeros(2), state)
    with pytest.raises(ValueError, match="state.m must have the same shape as params"):
        opt.step(np.zeros(2), np.zeros(2), state)
    with pytest.raises(TypeError, match="AdamState"):
        opt.step(w, w, SGD().init(w))
    with pytest.raises(ValueError, match="lr"):
        opt.step(w, w, state, lr=-0.1)
    with pytest.raises(ValueError, match="params"):
        opt.init([1.0, np.nan])


# --- theory on a quadratic ----------------------------------------------------------------


def quadratic(kappa):
    H = np.diag([1.0, kappa])
    return (lambda w: H @ w), (lambda w: 0.5 * w @ H @ w)


def measured_rate(traj):
    k = traj.steps  # math.hypot: np.linalg.norm would underflow at |e| ~ 1e-160
    return (math.hypot(*traj.points[-1]) / math.hypot(*traj.points[0])) ** (1 / k)


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_gd_rate_at_best_step(kappa):
    grad, _ = quadratic(kappa)
    traj = run(SGD(lr=2 / (1 + kappa)), grad, [1.0, 1.0], steps=200)
    assert_allclose(measured_rate(traj), (kappa - 1) / (kappa + 1), rtol=0.02)


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_heavy_ball_rate_at_best_step_and_momentum(kappa):
    # torch's form v = beta v + g, w -= lr v is heavy ball
    # w_{k+1} = w_k - lr g_k + beta (w_k - w_{k-1}) with the same lr and beta
    # (w_{k+1} - w_k = -lr v_{k+1} = beta (-lr v_k) - lr g_k).
    grad, _ = quadratic(kappa)
    s = math.sqrt(kappa)
    lr, beta = 4 / (s + 1) ** 2, ((s - 1) / (s + 1)) ** 2
    traj = run(SGD(lr=lr, momentum=beta), grad, [1.0, 1.0], steps=600)
    assert_allclose(measured_rate(traj), (s - 1) / (s + 1), rtol=0.02)
    # and much faster than plain GD's (kappa - 1) / (kappa + 1)
    assert measured_rate(traj) < 0.9 * (kappa - 1) / (kappa + 1)


def test_torch_momentum_is_heavy_ball():
    grad, _ = quadratic(10.0)
    lr, beta = 0.05, 0.8
    traj = run(SGD(lr=lr, momentum=beta), grad, [1.0, 1.0], steps=30)
    prev, w = np.array([1.0, 1.0]), np.array([1.0, 1.0])
    for k in range(30):
        prev, w = w, w - lr * grad(w) + beta * (w - prev)
        assert_allclose(traj.points[k + 1], w, rtol=1e-12, atol=1e-15)


def test_momentum_stable_while_lr_lambda_below_2_plus_2_beta():
    # 1-D quadratic with lambda = 1, beta = 0.5: stable iff lr < 2 + 2 beta = 3
    traj = run(SGD(lr=2.9, momentum=0.5), lambda w: w, [1.0], steps=300)
    assert not traj.diverged and abs(traj.points[-1, 0]) < 1e-10
    traj = run(SGD(lr=3.1, momentum=0.5), lambda w: w, [1.0], steps=300)
    assert traj.diverged


# --- run ----------------------------------------------------------------------------------


def test_run_records_points_losses_and_grad_norms():
    # E = |w|^2 / 2 with lr = 0.5 halves w each step
    traj = run(SGD(lr=0.5), lambda w: w, [3.0, 4.0], steps=4, loss_fn=lambda w: 0.5 * w @ w)
    assert isinstance(traj, Trajectory)
    halves = np.array([0.5**k for k in range(5)])
    assert_allclose(traj.points, np.outer(halves, [3.0, 4.0]))
    assert_allclose(traj.losses, 12.5 * halves**2)
    assert_allclose(traj.grad_norms, 5.0 * halves[:4])
    assert (traj.diverged, traj.diverged_at, traj.steps) == (False, None, 4)


def test_run_without_loss_and_with_zero_steps():
    traj = run(Adam(), lambda w: w, np.ones((2, 3)), steps=0)
    assert traj.points.shape == (1, 2, 3) and traj.grad_norms.shape == (0,)
    assert traj.losses is None and traj.steps == 0 and not traj.diverged


def test_run_keeps_any_shape():
    traj = run(RMSProp(), lambda w: 2 * w, np.ones((2, 3)), steps=5)
    assert traj.points.shape == (6, 2, 3)


def test_run_applies_schedule():
    # lr = 0.5, 0.5, 0.25, 0.25 on E = w^2 / 2: w_{k+1} = (1 - lr_k) w_k
    traj = run(SGD(lr=0.9), lambda w: w, [1.0], steps=4, schedule=step_decay(0.5, 2, 0.5))
    assert_allclose(traj.points[:, 0], [1.0, 0.5, 0.25, 0.1875, 0.140625])


def test_run_applies_clipping():
    # constant gradient (3, 4) of norm 5, clipped to norm 1, lr = 1
    traj = run(SGD(lr=1.0), lambda w: np.array([3.0, 4.0]), [0.0, 0.0], steps=3, clip_norm=1.0)
    step = np.array([3.0, 4.0]) / (5.0 + 1e-6)
    assert_allclose(traj.points, [0 * step, -step, -2 * step, -3 * step])
    assert_allclose(traj.grad_norms, [5.0, 5.0, 5.0])


def test_run_divergence_by_bound():
    # GD on diag(1, 10) with lr = 0.25 > 2/10: the second coordinate is multiplied by
    # 1 - 0.25 * 10 = -1.5 per step and first exceeds 1e6 at w_n, n = ceil(log 1e6 / log 1.5)
    grad, loss = quadratic(10.0)
    traj = run(SGD(lr=0.25), grad, [1.0, 1.0], steps=100, loss_fn=loss)
    n = math.ceil(math.log(1e6) / math.log(1.5))
    assert traj.diverged and traj.diverged_at == n - 1 == traj.steps
    assert traj.points.shape == (n, 2) and traj.losses.shape == (n,)
    assert_allclose(abs(traj.points[-1, 1]), 1.5 ** (n - 1))
    assert np.all(np.isfinite(traj.losses))
    # a smaller bound stops earlier: 1.5^k > 100 first at k = 12
    assert run(SGD(lr=0.25), grad, [1.0, 1.0], steps=100, bound=100).diverged_at == 11


def test_run_divergence_by_overflow_without_warning():
    # the gradient overflows to inf at once; no RuntimeWarning may escape (pytest errors)
    traj = run(SGD(lr=1.0), lambda w: w * 1e300, [1e10], steps=5, bound=1e300)
    assert traj.diverged and traj.diverged_at == 0 and traj.points.shape == (1, 1)
    # the loss overflows first: ascent doubles w, and (2^k 1e150)^2 overflows
    k = next(k for k in range(100) if not math.isfinite((2.0**k * 1e150) * (2.0**k * 1e150)))
    traj = run(SGD(lr=1.0), lambda w: -w, [1e150], 50, loss_fn=lambda w: w @ w, bound=1e300)
    assert traj.diverged_at == k - 1 and traj.points.shape == (k, 1)


def test_run_stops_at_the_first_point_that_meets_until():
    # w_k = 2^-k on E = w^2 / 2 with lr 0.5: |w| <= 0.1 first holds at w_4 = 0.0625
    t = run(SGD(lr=0.5), lambda w: w, [1.0], steps=100, until=lambda w: abs(w[0]) <= 0.1)
    assert t.steps == 4 and not t.diverged
    assert_allclose(t.points[:, 0], [1.0, 0.5, 0.25, 0.125, 0.0625])
    assert run(SGD(lr=0.5), lambda w: w, [0.05], steps=9, until=lambda w: True).steps == 0
    with pytest.raises(TypeError, match="until"):
        run(SGD(), lambda w: w, [1.0], 3, until=0.1)


def test_run_starts_runs_every_start_alone_and_freezes_the_diverged_one():
    # E_i(w) = c_i w^2 / 2 for row i, c = (1, 10), lr 0.25: row 0 is multiplied by 0.75
    # per step and never diverges; row 1 by -1.5 and first leaves 1e6 at step n - 1
    # (as in test_run_divergence_by_bound), after which it stays at (-1.5)^(n-1)
    c = np.array([[1.0], [10.0]])
    loss = lambda W: 0.5 * np.sum(c * W**2, axis=1)  # noqa: E731
    t = run_starts(SGD(lr=0.25), lambda W: c * W, [[1.0], [1.0]], 40, loss_fn=loss)
    n = math.ceil(math.log(1e6) / math.log(1.5))
    assert t.steps == 40 and t.points.shape == (41, 2, 1) and t.losses.shape == (41, 2)
    assert t.diverged.tolist() == [False, True] and t.diverged_at.tolist() == [-1, n - 1]
    assert_allclose(t.points[:, 0, 0], 0.75 ** np.arange(41))
    assert_allclose(t.points[n - 1 :, 1, 0], (-1.5) ** (n - 1))
    assert_allclose(t.losses[-1], [0.5 * 0.75**80, 5.0 * 1.5 ** (2 * n - 2)])
    assert_allclose(t.grad_norms[:, 0], 0.75 ** np.arange(40))  # |c w| before each step
    assert_allclose(t.grad_norms[n:, 1], 10 * 1.5 ** (n - 1))  # the frozen point's gradient
    # each row is exactly the single run of that row (a frozen row repeats its last point)
    for i in range(2):
        alone = run(SGD(lr=0.25), lambda w, i=i: c[i] * w, [1.0], 40, bound=1e6)
        np.testing.assert_array_equal(t.points[: alone.steps + 1, i], alone.points)
    with pytest.raises(ValueError, match="starts"):
        run_starts(SGD(), lambda w: w, 1.0, 3)
    with pytest.raises(ValueError, match="starts must .* lie within bound = 10"):
        run_starts(SGD(), lambda w: w, [[1.0], [11.0]], 3, bound=10)


def test_run_argument_checks():
    grad = lambda w: w  # noqa: E731
    with pytest.raises(ValueError, match="w0"):
        run(SGD(), grad, [np.nan], 3)
    with pytest.raises(ValueError, match="w0 must lie within bound"):
        run(SGD(), grad, [2e6], 3)
    with pytest.raises(ValueError, match="steps"):
        run(SGD(), grad, [1.0], -1)
    with pytest.raises(TypeError, match="steps"):
        run(SGD(), grad, [1.0], 2.5)
    with pytest.raises(ValueError, match="bound"):
        run(SGD(), grad, [1.0], 3, bound=0)
    with pytest.raises(ValueError, match="clip_norm"):
        run(SGD(), grad, [1.0], 3, clip_norm=0)
    with pytest.raises(ValueError, match="loss_fn"):
        run(SGD(), grad, [1.0], 3, loss_fn=lambda w: np.inf)
    with pytest.raises(TypeError, match="optimizer"):
        run("SGD", grad, [1.0], 3)
    with pytest.raises(TypeError, match="grad_fn"):
        run(SGD(), None, [1.0], 3)
    with pytest.raises(TypeError, match="schedule"):
        run(SGD(), grad, [1.0], 3, schedule=0.1)
