"""course_utils: the numerics, plots, widgets and grading behind the Downhill course.

The reusable core's numerical helpers are importable from the package itself::

    from course_utils import SURFACES, Adam, MLP, run, train

Plots, the explorer kit and the checking kit live in submodules that import matplotlib
and ipywidgets, so that the numerics stay numpy-only: ``course_utils.plotting``,
``course_utils.widgets`` and ``course_utils.exercises``. Each chapter's experiments,
explorers and checks live in ``course_utils.chapters.chNN_<slug>``.
"""

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
from course_utils.clipping import clip_by_global_norm, global_norm
from course_utils.data import (
    Dataset,
    batch_sizes,
    load_digits,
    make_classification,
    make_linear_regression,
    make_regression,
    minibatches,
    train_test_split,
)
from course_utils.line_search import Backtracking
from course_utils.nn import MLP
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
from course_utils.schedules import SCHEDULES, make_schedule
from course_utils.second_order import LBFGS, Newton
from course_utils.surfaces import SURFACES, Surface, bowl, get_surface, quadratic
from course_utils.training import Descent, Divergence, History, compare, train

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "OPTIMIZERS",
    "SCHEDULES",
    "SGD",
    "SURFACES",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "Backtracking",
    "Dataset",
    "Descent",
    "Divergence",
    "Eigen",
    "GradientCheck",
    "History",
    "LBFGS",
    "Nadam",
    "Newton",
    "RMSProp",
    "Surface",
    "Trajectory",
    "batch_sizes",
    "bowl",
    "classify_stationary_point",
    "clip_by_global_norm",
    "compare",
    "eigen_analysis",
    "eigen_coordinates",
    "get_surface",
    "global_norm",
    "gradient_check",
    "hessian_vector_product",
    "load_digits",
    "make_classification",
    "make_linear_regression",
    "make_optimizer",
    "make_regression",
    "make_schedule",
    "minibatches",
    "numerical_gradient",
    "numerical_hessian",
    "numerical_jacobian",
    "quadratic",
    "run",
    "run_starts",
    "taylor_approximation",
    "taylor_gradient",
    "train",
    "train_test_split",
]
