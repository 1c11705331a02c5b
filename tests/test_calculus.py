import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

from course_utils.calculus import (
    Eigen,
    GradientCheck,
    classify_stationary_point,
    eigen_analysis,
    eigen_coordinates,
    gradient_check,
    hessian_vector_product,
    numerical_gradient,
    numerical_hessian,
    numerical_jacobian,
    taylor_approximation,
    taylor_gradient,
)
from course_utils.surfaces import SURFACES, bowl

small = st.floats(-3.0, 3.0, allow_nan=False)


# A smooth test function with hand-derived derivatives: E = exp(x) sin(y) + x^3 y
def f(w):
    x, y = w[..., 0], w[..., 1]
    return np.exp(x) * np.sin(y) + x**3 * y


def df(w):
    x, y = w[..., 0], w[..., 1]
    return np.stack([np.exp(x) * np.sin(y) + 3 * x**2 * y, np.exp(x) * np.cos(y) + x**3], -1)


def d2f(w):
    x, y = w
    hxy = np.exp(x) * np.cos(y) + 3 * x**2
    return np.array([[np.exp(x) * np.sin(y) + 6 * x * y, hxy], [hxy, -np.exp(x) * np.sin(y)]])


def rosenbrock(w):
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


# --- finite differences ------------------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(x=small, y=small)
def test_numerical_gradient_matches_hand_derivative(x, y):
    w = np.array([x, y])
    assert_allclose(numerical_gradient(f, w), df(w), rtol=1e-7, atol=1e-7)


def test_numerical_gradient_keeps_the_shape_of_w():
    W = np.arange(6.0).reshape(2, 3) / 5

    def E(W):
        return np.sum(np.sin(W) * W**2)

    g = numerical_gradient(E, W)
    assert g.shape == (2, 3)
    assert_allclose(g, np.cos(W) * W**2 + 2 * W * np.sin(W), rtol=1e-8, atol=1e-10)
    assert numerical_gradient(lambda t: t**3, 2.0) == pytest.approx(12.0)  # a 0-d w


def test_numerical_gradient_error_is_second_order_in_h():
    w = np.array([0.7, -0.4])
    err = [np.abs(numerical_gradient(f, w, h) - df(w)).max() for h in (1e-2, 5e-3)]
    assert err[0] / err[1] == pytest.approx(4.0, rel=0.02)


def test_numerical_hessian_of_a_quadratic_form_is_its_matrix():
    A = np.array([[4.0, 1.0, -2.0], [1.0, 3.0, 0.5], [-2.0, 0.5, 2.0]])
    H = numerical_hessian(lambda w: 0.5 * w @ A @ w + w.sum(), np.array([0.3, -1.0, 2.0]))
    assert_allclose(H, A, atol=1e-6)
    assert np.array_equal(H, H.T)


def test_numerical_hessian_of_rosenbrock_at_its_minimum():
    # d2/dx2 = 2 - 400 y + 1200 x^2 = 802, d2/dxdy = -400 x = -400, d2/dy2 = 200
    H = numerical_hessian(rosenbrock, np.array([1.0, 1.0]))
    assert_allclose(H, [[802.0, -400.0], [-400.0, 200.0]], rtol=1e-6)


@settings(max_examples=50, deadline=None)
@given(x=small, y=small)
def test_numerical_hessian_matches_hand_derivative(x, y):
    w = np.array([x, y])
    scale = max(1.0, np.abs(d2f(w)).max())
    assert_allclose(numerical_hessian(f, w), d2f(w), rtol=1e-6, atol=1e-6 * scale)


def test_numerical_hessian_flattens_a_matrix_of_weights():
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    H = numerical_hessian(lambda W: W[0, 0] * W[1, 1] + W[0, 1] ** 2, W)
    expected = np.zeros((4, 4))
    expected[0, 3] = expected[3, 0] = 1.0  # flat order: W00, W01, W10, W11
    expected[1, 1] = 2.0
    assert_allclose(H, expected, atol=1e-6)


def test_hessian_vector_product_of_a_quadratic_is_its_matrix_times_v():
    H = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, -2.0], [0.0, -2.0, 5.0]])
    v = np.array([0.5, -1.0, 2.0])
    got = hessian_vector_product(lambda w: H @ w, np.array([1.0, 2.0, 3.0]), v)
    assert_allclose(got, [1.0, -6.5, 12.0], atol=1e-9)  # H v by hand
    assert hessian_vector_product(lambda w: H @ w, np.ones(3), np.zeros(3)).tolist() == [0.0] * 3


def test_hessian_vector_product_matches_the_analytic_hessian():
    surface = SURFACES["himmelblau"]
    w, v = np.array([1.0, -0.5]), np.array([0.3, 0.8])
    got = hessian_vector_product(surface.grad, w, v)
    assert_allclose(got, surface.hessian(w) @ v, rtol=1e-8)
    with pytest.raises(ValueError, match="v must have the same shape as w"):
        hessian_vector_product(surface.grad, w, np.ones(3))


def test_numerical_jacobian():
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])

    def F(w):
        return A @ w + np.sin(w[:2])

    w = np.array([0.5, -0.2, 1.0])
    J = numerical_jacobian(F, w)
    assert J.shape == (2, 3)
    assert_allclose(J, A + np.diag(np.cos(w[:2]), k=0) @ np.eye(2, 3), atol=1e-9)
    # the Jacobian of a gradient is the Hessian
    assert_allclose(numerical_jacobian(df, w[:2]), d2f(w[:2]), atol=1e-8)


# --- Taylor expansion --------------------------------------------------------------------
def test_second_order_taylor_of_a_quadratic_is_exact():
    s = bowl(1.0, 9.0, 0.4, center=[0.5, -1.0])
    w_hat = np.array([2.0, 1.0])
    grid = np.stack(np.meshgrid(np.linspace(-3, 3, 7), np.linspace(-2, 4, 5)), -1)
    exact = taylor_approximation(s.value, w_hat, grid, grad=s.grad, hessian=s.hessian)
    assert exact.shape == (5, 7)
    assert_allclose(exact, s.value(grid), rtol=1e-12, atol=1e-12)
    numeric = taylor_approximation(s.value, w_hat, grid)  # finite-difference b and H
    # H carries rounding ~ eps E / h^2 ~ 3e-7, multiplied by |w - w_hat|^2 <= 34
    assert_allclose(numeric, s.value(grid), rtol=0, atol=5e-5)


def test_first_order_taylor_of_a_linear_function_is_exact():
    c = np.array([2.0, -1.0, 0.5])
    got = taylor_approximation(lambda w: 3.0 + w @ c, np.ones(3), [[1.0, 2.0, 3.0]], order=1)
    assert_allclose(got, [3.0 + 2.0 - 2.0 + 1.5], atol=1e-8)


@pytest.mark.parametrize(("order", "power"), [(1, 2), (2, 3)])
def test_taylor_error_shrinks_like_a_power_of_the_step(order, power):
    w_hat = np.array([0.3, 0.8])
    d = np.array([0.6, -0.8])
    errors = []
    for t in (0.04, 0.02, 0.01):
        w = w_hat + t * d
        approx = taylor_approximation(f, w_hat, w, order=order, grad=df, hessian=d2f)
        errors.append(abs(float(approx) - float(f(w))))
    for e1, e2 in zip(errors, errors[1:], strict=False):
        assert e1 / e2 == pytest.approx(2.0**power, rel=0.05)


def test_taylor_is_vectorised_over_leading_axes():
    w_hat = np.array([0.2, -0.5])
    rng = np.random.default_rng(3)
    W = rng.uniform(-1, 1, size=(4, 5, 2))
    grid = taylor_approximation(f, w_hat, W, grad=df, hessian=d2f)
    for i in range(4):
        for j in range(5):
            one = taylor_approximation(f, w_hat, W[i, j], grad=df, hessian=d2f)
            assert float(one) == pytest.approx(grid[i, j], rel=1e-13, abs=1e-13)
            d = W[i, j] - w_hat
            by_hand = f(w_hat) + d @ df(w_hat) + 0.5 * d @ d2f(w_hat) @ d
            assert float(one) == pytest.approx(by_hand, rel=1e-12)


def test_taylor_gradient_is_the_gradient_of_the_quadratic_model():
    w_hat = np.array([0.3, 0.8])
    b, H = df(w_hat), d2f(w_hat)
    w = np.array([0.9, 0.1])

    def model(u):
        return taylor_approximation(f, w_hat, u, grad=df, hessian=d2f)

    assert_allclose(taylor_gradient(b, H, w_hat, w), numerical_gradient(model, w), atol=1e-8)
    assert_allclose(taylor_gradient(b, H, w_hat, w_hat), b)
    s = SURFACES["ravine"]  # exact for a quadratic, on a grid
    W = np.random.default_rng(0).normal(size=(3, 4, 2))
    G = taylor_gradient(s.grad([1.0, 2.0]), s.hessian([1.0, 2.0]), [1.0, 2.0], W)
    assert_allclose(G, s.grad(W), atol=1e-12)


# --- eigen-analysis and classification ------------------------------------------------------
def test_eigen_analysis_known_matrix():
    result = eigen_analysis([[2.0, 1.0], [1.0, 2.0]])
    assert isinstance(result, Eigen)
    lam, U = result
    assert_allclose(lam, [1.0, 3.0])
    r = 1 / np.sqrt(2)
    assert_allclose(U, [[r, r], [-r, r]])  # first entry of each eigenvector positive


def test_eigen_analysis_fixes_the_sign_of_each_eigenvector():
    _, U = eigen_analysis(np.diag([3.0, 1.0, 2.0]))
    assert_allclose(U, [[0, 0, 1], [1, 0, 0], [0, 1, 0]], atol=1e-15)
    _, U = eigen_analysis(-np.eye(2))
    assert_allclose(U, np.eye(2), atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(A=arrays(np.float64, (3, 3), elements=small))
def test_eigen_analysis_reconstructs_symmetric_matrices(A):
    H = A + A.T
    lam, U = eigen_analysis(H)
    assert np.all(np.diff(lam) >= 0)
    assert_allclose(U.T @ U, np.eye(3), atol=1e-12)
    assert_allclose(U @ np.diag(lam) @ U.T, H, atol=1e-10)
    assert_allclose(H @ U, U * lam, atol=1e-10)


@pytest.mark.parametrize(
    ("H", "kind"),
    [
        (np.diag([1.0, 2.0]), "minimum"),
        (np.diag([-1.0, -3.0]), "maximum"),
        (np.diag([1.0, -1.0]), "saddle"),
        ([[1.0, 2.0], [2.0, 1.0]], "saddle"),  # positive diagonal, eigenvalues 3 and -1
        ([[2.0, 1.0], [1.0, 2.0]], "minimum"),  # eigenvalues 1 and 3
        ([[0.0, 1.0], [1.0, 0.0]], "saddle"),  # zero diagonal, eigenvalues +-1
        (np.diag([0.0, 1.0]), "inconclusive"),  # x^4 + y^2 or x^3 + y^2
        (np.diag([0.0, -1.0]), "inconclusive"),
        (np.diag([1.0, 0.0, -1.0]), "saddle"),  # mixed signs decide despite the zero
        (np.zeros((2, 2)), "inconclusive"),
        (np.diag([1e-10, 1.0]), "inconclusive"),  # within tol of zero
        ([[5.0]], "minimum"),
    ],
)
def test_classify_stationary_point(H, kind):
    assert classify_stationary_point(H) == kind


def test_classify_tolerance():
    assert classify_stationary_point(np.diag([1e-10, 1.0]), tol=0.0) == "minimum"
    assert classify_stationary_point(np.diag([-0.01, 1.0]), tol=0.1) == "inconclusive"
    assert classify_stationary_point(np.diag([-0.01, 1.0]), tol=0.001) == "saddle"


def test_classify_the_surfaces_stationary_points():
    s = SURFACES["saddle"]
    assert classify_stationary_point(s.hessian([0.0, 0.0])) == "saddle"
    assert classify_stationary_point(numerical_hessian(s.value, [0.0, 0.0]), tol=1e-4) == "saddle"
    # Himmelblau's local maximum, located by Newton's method from a rough guess
    h = SURFACES["himmelblau"]
    w = np.array([-0.27, -0.92])
    for _ in range(20):
        w = w - np.linalg.solve(h.hessian(w), h.grad(w))
    assert_allclose(h.grad(w), 0.0, atol=1e-10)
    assert classify_stationary_point(h.hessian(w)) == "maximum"


def test_eigen_coordinates_reproduce_the_quadratic():
    s = bowl(2.0, 20.0, 0.7, center=[1.0, -0.5])
    w_star = s.minima[0]
    H = s.hessian(w_star)
    lam, U = eigen_analysis(H)
    rng = np.random.default_rng(5)
    W = rng.uniform(-4, 4, size=(6, 3, 2))
    alpha = eigen_coordinates(H, W, w_star)
    assert alpha.shape == (6, 3, 2)
    assert_allclose(0.5 * np.sum(lam * alpha**2, axis=-1), s.value(W) - s.min_value, rtol=1e-12)
    assert_allclose(alpha @ U.T, W - w_star, atol=1e-12)  # w - w* = sum_i alpha_i u_i
    # the steep axis alone: w = w* + t u_2 has alpha = (0, t)
    assert_allclose(eigen_coordinates(H, w_star + 1.5 * U[:, 1], w_star), [0.0, 1.5], atol=1e-12)


# --- gradient checking -------------------------------------------------------------------
def test_gradient_check_passes_a_correct_gradient():
    s = SURFACES["rosenbrock"]
    result = gradient_check(s.value, s.grad, [-1.2, 1.0])
    assert isinstance(result, GradientCheck)
    assert result.passed
    assert result.max_rel_error < 1e-8
    assert_allclose(result.analytic, s.grad([-1.2, 1.0]))
    assert_allclose(result.numeric, result.analytic, rtol=1e-8)


def test_gradient_check_reports_the_errors_of_a_wrong_gradient():
    # analytic w, true 2w: |a - n| = |w|, relative |w| / (|w| + 2|w|) = 1/3
    result = gradient_check(lambda w: np.sum(w**2), lambda w: w, np.array([1.0, -2.0]))
    assert not result.passed
    assert result.max_abs_error == pytest.approx(2.0, rel=1e-8)
    assert result.max_rel_error == pytest.approx(1 / 3, rel=1e-8)
    sign = gradient_check(lambda w: np.sum(w**2), lambda w: -2 * w, np.array([1.0, -2.0]))
    assert sign.max_rel_error == pytest.approx(1.0)


def test_gradient_check_zero_components():
    # Rosenbrock's gradient at (1, 1) is exactly zero; the differences are rounding noise
    result = gradient_check(rosenbrock, lambda w: np.zeros(2), np.array([1.0, 1.0]))
    assert result.passed
    assert result.max_abs_error < 1e-8
    exact = gradient_check(lambda w: 0.0 * np.sum(w), lambda w: np.zeros_like(w), np.ones(3))
    assert exact.max_rel_error == 0.0 and exact.passed
    strict = gradient_check(rosenbrock, lambda w: np.array([1e-7, 0.0]), [1.0, 1.0], atol=0.0)
    assert not strict.passed


def test_gradient_check_on_a_matrix_of_weights():
    W = np.array([[0.1, -0.3], [0.7, 0.2]])
    result = gradient_check(lambda W: np.sum(np.tanh(W)), lambda W: 1 - np.tanh(W) ** 2, W)
    assert result.passed and result.analytic.shape == (2, 2)


# --- argument checks ---------------------------------------------------------------------
@pytest.mark.parametrize("fn", [numerical_gradient, numerical_hessian, numerical_jacobian])
def test_finite_difference_argument_checks(fn):
    with pytest.raises(ValueError, match="h must be in"):
        fn(f, [1.0, 2.0], h=0.0)
    with pytest.raises(ValueError, match="h must be in"):
        fn(f, [1.0, 2.0], h=-1e-3)
    with pytest.raises(ValueError, match="w must contain only finite"):
        fn(f, [1.0, np.nan])
    with pytest.raises(TypeError, match="must be callable"):
        fn("f", [1.0, 2.0])


def test_f_must_return_a_number():
    with pytest.raises(ValueError, match="f must return a single number"):
        numerical_gradient(lambda w: w, [1.0, 2.0])
    with pytest.raises(ValueError, match="f must return a single number"):
        numerical_hessian(lambda w: w, [1.0, 2.0])


def test_jacobian_output_must_keep_its_size():
    with pytest.raises(ValueError, match="F must return 1 numbers"):
        numerical_jacobian(lambda w: np.ones(1 + int(w[0] > 1.0)), [1.0, 2.0])


def test_taylor_argument_checks():
    w_hat = [0.0, 0.0]
    with pytest.raises(ValueError, match="order must be in"):
        taylor_approximation(f, w_hat, w_hat, order=3)
    with pytest.raises(TypeError, match="order"):
        taylor_approximation(f, w_hat, w_hat, order=1.5)
    with pytest.raises(ValueError, match="w_hat must have 1 dimension"):
        taylor_approximation(f, [[0.0, 0.0]], w_hat)
    with pytest.raises(ValueError, match=r"w must have shape \(\.\.\., 2\)"):
        taylor_approximation(f, w_hat, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="w must contain only finite"):
        taylor_approximation(f, w_hat, [1.0, np.inf])
    with pytest.raises(ValueError, match="w_hat must contain only finite"):
        taylor_approximation(f, [np.nan, 0.0], w_hat)
    with pytest.raises(ValueError, match=r"grad\(w_hat\) must have shape"):
        taylor_approximation(f, w_hat, w_hat, grad=lambda w: np.zeros(3))
    with pytest.raises(ValueError, match=r"hessian\(w_hat\) must have shape"):
        taylor_approximation(f, w_hat, w_hat, hessian=lambda w: np.eye(3))
    with pytest.raises(TypeError, match="grad must be callable or None"):
        taylor_approximation(f, w_hat, w_hat, grad=np.zeros(2))
    with pytest.raises(TypeError, match="hessian must be callable or None"):
        taylor_approximation(f, w_hat, w_hat, hessian=np.eye(2))
    with pytest.raises(TypeError, match="f must be callable"):
        taylor_approximation(None, w_hat, w_hat)


def test_taylor_gradient_argument_checks():
    with pytest.raises(ValueError, match="b must have 1 dimension"):
        taylor_gradient(np.eye(2), np.eye(2), [0.0, 0.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="H must have shape"):
        taylor_gradient([0.0, 0.0], np.eye(3), [0.0, 0.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="w_hat must have shape"):
        taylor_gradient([0.0, 0.0], np.eye(2), [0.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="w must have shape"):
        taylor_gradient([0.0, 0.0], np.eye(2), [0.0, 0.0], [0.0])


@pytest.mark.parametrize(
    ("H", "match"),
    [
        ([[1.0, 2.0, 3.0]], "H must be a non-empty square"),
        (np.zeros((0, 0)), "H must be a non-empty square"),
        ([1.0, 2.0], "H must have 2 dimension"),
        ([[1.0, 2.0], [2.1, 1.0]], "H must be symmetric"),
        ([[1.0, np.nan], [np.nan, 1.0]], "H must contain only finite"),
    ],
)
def test_matrix_argument_checks(H, match):
    for fn in (eigen_analysis, classify_stationary_point):
        with pytest.raises(ValueError, match=match):
            fn(H)
    with pytest.raises(ValueError, match=match):
        eigen_coordinates(H, [0.0, 0.0], [0.0, 0.0])


def test_nearly_symmetric_finite_difference_hessians_are_accepted():
    exact = d2f(np.array([0.4, 0.9]))
    H = exact + [[0.0, 1e-9], [0.0, 0.0]]  # e.g. a finite-difference Jacobian of a gradient
    assert_allclose(eigen_analysis(H).values, np.linalg.eigvalsh(exact), atol=1e-9)


def test_other_argument_checks():
    with pytest.raises(ValueError, match="tol must be in"):
        classify_stationary_point(np.eye(2), tol=-1.0)
    with pytest.raises(ValueError, match="w_star must have shape"):
        eigen_coordinates(np.eye(2), [0.0, 0.0], [0.0])
    with pytest.raises(ValueError, match="w must have shape"):
        eigen_coordinates(np.eye(2), [0.0, 0.0, 0.0], [0.0, 0.0])
    square = (lambda w: np.sum(w**2), lambda w: 2 * w)
    with pytest.raises(ValueError, match="rtol must be in"):
        gradient_check(*square, [1.0], rtol=-1.0)
    with pytest.raises(ValueError, match="atol must be in"):
        gradient_check(*square, [1.0], atol=-1.0)
    with pytest.raises(ValueError, match="h must be in"):
        gradient_check(*square, [1.0], h=0.0)
    with pytest.raises(ValueError, match=r"grad\(w\) must have the same shape as w"):
        gradient_check(square[0], lambda w: np.zeros(3), [1.0, 2.0])
    with pytest.raises(TypeError, match="grad must be callable"):
        gradient_check(square[0], None, [1.0])
    with pytest.raises(ValueError, match="w must contain only finite"):
        gradient_check(*square, [np.inf])
