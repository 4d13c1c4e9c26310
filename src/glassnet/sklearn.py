"""scikit-learn estimators over glassnet: :class:`MLPClassifier` and :class:`MLPRegressor`.

They take every parameter of scikit-learn's ``sklearn.neural_network`` MLPs with the same
meaning, set the same fitted attributes, and drop into ``Pipeline``, ``GridSearchCV`` and
``cross_val_score``; they pass scikit-learn's ``parametrize_with_checks`` suite. The network
is a :class:`glassnet.Sequential` at ``model_``, so every instrument of ``glassnet.inspect``
reads a fitted estimator; glassnet adds per-layer activations, any glassnet initializer,
dropout, glassnet callbacks, the validation *loss* curve and ``transform`` (hidden
activations).

**The objective is scikit-learn's.** For a batch of examples with weights ``w`` (all 1 by
default) and ``S = sum w``::

    J = sum_i w_i l_i / S  +  alpha / (2 S) * sum ||W||^2      (the biases are not penalised)

``l_i`` is the log loss summed over the outputs for classifiers (softmax + categorical for
several classes, one sigmoid unit for two, one sigmoid unit per label for multilabel
targets), half the squared error summed over the outputs for the regressor, or the Poisson
deviance with an exponential output (``loss="poisson"``). glassnet's own losses average over
outputs; the estimator scales them by the number of outputs (:class:`_SumOverOutputs`), and
the L2 term is glassnet's ``l2`` regularizer with ``c = alpha / (2 S)`` set for each batch.
``loss_`` and ``loss_curve_`` report this ``J`` (for several regression targets, as
scikit-learn does, with the squared error averaged over the targets).

**Solvers.** ``"adam"`` and ``"sgd"`` step glassnet's :class:`~glassnet.optimizers.Adam` and
:class:`~glassnet.optimizers.SGD` (whose momentum and Nesterov rules are scikit-learn's) over
mini-batches, with scikit-learn's ``learning_rate`` schedules (``"constant"``,
``"invscaling"``: ``eta = learning_rate_init / (t + 1) ** power_t`` with ``t`` the examples
seen, ``"adaptive"``: divided by 5 whenever ``n_iter_no_change`` epochs bring no
improvement), its stopping rule and early stopping. ``"lbfgs"`` hands the flattened weights
to ``scipy.optimize.minimize(method="L-BFGS-B")`` with the network's own loss and gradients
(``max_iter``, ``max_fun``, ``tol``), and, as in scikit-learn, has no ``partial_fit``.
``"rmsprop"`` (glassnet's) is also accepted.

**Data.** The network's dtype follows ``X`` (float32 in, float32 network; anything else,
float64) unless ``dtype`` says otherwise; SciPy CSR/CSC matrices go into the first layer's
product as they are (nothing is densified); ``sample_weight`` works in ``fit`` and
``partial_fit``.

**Memory.** A network whose weights, gradients, optimizer state and one batch's activations
would need more than :data:`MEMORY_BUDGET_BYTES` (default 4 GiB) is refused with a
ValueError naming ``hidden_layer_sizes`` before anything is allocated; raise the budget
(``glassnet.sklearn.MEMORY_BUDGET_BYTES = ...``) to go beyond it.

These estimators need scikit-learn >= 1.6 and SciPy; ``pip install glassnet[sklearn]``.
Nothing else in glassnet imports this module.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    import scipy.optimize
    import scipy.sparse
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils import shuffle
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.multiclass import type_of_target, unique_labels
    from sklearn.utils.validation import (
        _check_sample_weight,
        check_is_fitted,
        column_or_1d,
        validate_data,
    )
except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError(
        "glassnet.sklearn needs scikit-learn >= 1.6: pip install 'glassnet[sklearn]'"
    ) from exc

from . import activations, initializers, layers, losses, new_seed, optimizers, regularizers
from .callbacks import Callback
from .checks import check_bool, check_float, check_int
from .errors import ArgumentTypeError, ConfigError, DataError, GlassnetError, OutsideSubsetError
from .model import Sequential

__all__ = ["MEMORY_BUDGET_BYTES", "MLPClassifier", "MLPRegressor"]

Array = NDArray[Any]

_SOLVERS = ("adam", "sgd", "lbfgs", "rmsprop")
_STOCHASTIC = ("adam", "sgd", "rmsprop")
_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")

#: The most bytes a network may need (weights, gradients, two optimizer slots, one batch's
#: activations and their gradients) before ``fit`` refuses it, unallocated.
MEMORY_BUDGET_BYTES = 4 * 2**30


class _SumOverOutputs(losses.Loss):
    """A glassnet loss multiplied by ``scale`` (value and gradient): glassnet's losses
    average over the outputs where scikit-learn's objective sums over them."""

    def __init__(self, inner: losses.Loss, scale: float) -> None:
        super().__init__(from_logits=inner.from_logits)
        self.inner = inner
        self.scale = float(scale)
        self.name = inner.name
        self.fused_activation = inner.fused_activation

    def value(self, y: Array, y_hat: Array) -> float:
        return self.scale * self.inner.value(y, y_hat)

    def gradient(self, y: Array, y_hat: Array) -> Array:
        grad = self.inner.gradient(y, y_hat)
        if self.scale != 1.0:
            grad *= grad.dtype.type(self.scale)
        return grad

    def logits_value_and_grad(self, y: Array, z: Array,
                              need_grad: bool = True) -> tuple[float, Array | None]:
        value, grad = self.inner.logits_value_and_grad(y, z, need_grad)
        if grad is not None and self.scale != 1.0:
            grad *= grad.dtype.type(self.scale)
        return self.scale * value, grad

    def per_example(self, y: Array, y_hat: Array) -> Array:
        return self.scale * self.inner.per_example(y, y_hat)

    def per_example_logits(self, y: Array, z: Array) -> Array:
        return self.scale * self.inner.per_example_logits(y, z)

    def weighted_value(self, y: Array, out: Array, w: Array, logits: bool = False) -> float:
        return self.scale * self.inner.weighted_value(y, out, w, logits=logits)

    def weighted_value_and_grad(self, y: Array, out: Array, w: Array,
                                logits: bool = False) -> tuple[float, Array]:
        value, grad = self.inner.weighted_value_and_grad(y, out, w, logits=logits)
        if self.scale != 1.0:
            grad *= grad.dtype.type(self.scale)
        return self.scale * value, grad

    def prepare_targets(self, y: Any, n_outputs: int, dtype: Any) -> Array:
        return self.inner.prepare_targets(y, n_outputs, dtype)


def _random_state(random_state: Any) -> np.random.RandomState:
    """The seeded generator of one ``fit`` call, as scikit-learn makes it: an int gives a
    fresh ``RandomState(int)`` each call (so the initial weights, the validation split and the
    shuffle orders are scikit-learn's own for the same ``random_state``); a ``RandomState`` is
    used (and advances); a ``Generator`` seeds one; ``None`` seeds one from the operating
    system or, once ``glassnet.set_global_seed`` has set a global seed, from its sequence.
    NumPy's global state is never used."""
    if random_state is None:
        return np.random.RandomState(new_seed() % 2**32)
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if not 0 <= random_state < 2**32:
            raise ConfigError(f"random_state: expected an int in [0, 2**32), got "
                              f"{random_state}")
        return np.random.RandomState(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(int(random_state.integers(0, 2**32)))
    raise ConfigError(
        "random_state: expected None, an int, a numpy RandomState or Generator, got "
        f"{random_state!r}"
    )


def _as_list(value: Any, n: int, name: str) -> list[Any]:
    """One value for every hidden layer, or a list with one per hidden layer."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ConfigError(
                f"{name}: expected one value or a list of {n} (one per hidden layer), got "
                f"{len(value)} values"
            )
        return list(value)
    return [value] * n


def _numeric(X: Any) -> Any:
    """``X`` unchanged, unless it is an array (or list) of strings, bytes, dates or time
    spans: scikit-learn's own MLP refuses those in ``predict`` (``dtype="numeric"``; its
    ``fit`` converts them to floats, and so does glassnet's), where a conversion to float
    would take ``"1.5"`` or a date as a number."""
    if isinstance(X, (np.ndarray, list, tuple)):
        try:
            dtype = np.asarray(X).dtype
        except (ValueError, TypeError):  # ragged: scikit-learn's validation names it
            return X
        if dtype.kind in "USMm":
            raise DataError(f"X: expected numbers, got an array of dtype {dtype} (convert "
                            "the features to numbers first)")
    return X


def _is_auto(value: Any) -> bool:
    return isinstance(value, str) and value == "auto"


def _glorot_bound(fan_in: int, fan_out: int, activation: Any) -> float:
    """scikit-learn's initial range: ``sqrt(6 / (fan_in + fan_out))``, ``sqrt(2 / ...)`` for
    the logistic activation."""
    factor = 2.0 if activation in ("logistic", "sigmoid") else 6.0
    return math.sqrt(factor / (fan_in + fan_out))


class _BaseMLP(TransformerMixin, BaseEstimator):
    """What the classifier and the regressor share: parameters, the network, the solvers."""

    # fitted (set by fit, absent before)
    model_: Sequential
    _optimizer: optimizers.Optimizer
    best_loss_: Any
    best_validation_score_: Any
    validation_scores_: Any

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: Any = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: Any = 10,
        max_fun: int = 15000,
        kernel_initializer: Any = "auto",
        bias_initializer: Any = "auto",
        dropout: Any = 0.0,
        transform_layer: int = -1,
        dtype: Any = None,
        callbacks: Any = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.dropout = dropout
        self.transform_layer = transform_layer
        self.dtype = dtype
        self.callbacks = callbacks

    # -- what the subclasses say --------------------------------------------------------------
    def _validate_input(self, X: Any, y: Any, incremental: bool,
                        reset: bool) -> tuple[Any, Array]:
        raise NotImplementedError

    def _output_activation(self) -> str:
        raise NotImplementedError

    def _engine_loss(self, n_outputs: int) -> tuple[losses.Loss, float]:
        """The glassnet loss whose value is scikit-learn's, and the factor from its data
        value to the value scikit-learn reports."""
        raise NotImplementedError

    def _score_on(self, x: Any, y: Any, sample_weight: Any) -> float:
        raise NotImplementedError

    def _stratify(self, Y: Array) -> Any:
        return None

    def _loss_offset(self, t: Array, sample_weight: Any) -> float:
        """What scikit-learn's reported loss adds to the engine's (a constant of the
        targets: the Poisson deviance's ``y log y - y``)."""
        return 0.0

    # -- parameters ---------------------------------------------------------------------------
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
            sizes = [sizes]
        try:
            listed = list(sizes)
        except TypeError:
            listed = None
        if listed is None or not all(
                isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                for s in listed):
            raise ConfigError(
                "hidden_layer_sizes: expected a positive int or a sequence of positive ints "
                f"(units per hidden layer), got {sizes!r}"
            )
        if any(s <= 0 for s in listed):
            raise ConfigError(f"hidden_layer_sizes must be > 0, got {listed}.")
        return [int(s) for s in listed]

    def _check_params(self) -> None:
        """Validate every hyperparameter (at fit time, as scikit-learn does): glassnet's
        checks (:mod:`glassnet.checks`) decide, the messages are scikit-learn's."""
        def number(name: str, low: float, high: float | None = None, *,
                   low_open: bool = False, high_open: bool = False) -> None:
            value = getattr(self, name)
            try:
                check_float(value, name, minimum=low, maximum=high,
                            include_minimum=not low_open, include_maximum=not high_open)
            except GlassnetError:
                upper = "inf)" if high is None else f"{high}{')' if high_open else ']'}"
                interval = f"{'(' if low_open else '['}{low}, {upper}"
                raise ConfigError(f"The '{name}' parameter of {type(self).__name__} must be "
                                  f"a float in the range {interval}. Got {value!r} instead."
                                  ) from None

        def integer(name: str, low: int, allow_inf: bool = False) -> None:
            value = getattr(self, name)
            if allow_inf and isinstance(value, (float, np.floating)) and value == np.inf:
                return
            try:
                check_int(value, name, minimum=low)
            except GlassnetError:
                extra = " or inf" if allow_inf else ""
                raise ConfigError(f"The '{name}' parameter of {type(self).__name__} must be "
                                  f"an int >= {low}{extra}. Got {value!r} instead.") from None

        def option(name: str, choices: tuple[str, ...]) -> None:
            value = getattr(self, name)
            if not isinstance(value, str) or value not in choices:
                raise ConfigError(f"The '{name}' parameter of {type(self).__name__} must be "
                                  f"one of {', '.join(map(repr, choices))}. Got {value!r} "
                                  "instead.")

        option("solver", _SOLVERS)
        option("learning_rate", ("constant", "invscaling", "adaptive"))
        self._hidden_sizes()
        number("alpha", 0.0)
        number("learning_rate_init", 0.0, low_open=True)
        number("power_t", 0.0)
        number("tol", 0.0)
        number("momentum", 0.0, 1.0)
        number("validation_fraction", 0.0, 1.0, high_open=True)
        number("beta_1", 0.0, 1.0, high_open=True)
        number("beta_2", 0.0, 1.0, high_open=True)
        number("epsilon", 0.0, low_open=True)
        integer("max_iter", 1)
        integer("max_fun", 1)
        integer("n_iter_no_change", 1, allow_inf=True)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto") and not (
                isinstance(self.batch_size, (int, np.integer))
                and not isinstance(self.batch_size, bool) and self.batch_size >= 1):
            raise ConfigError(f"The 'batch_size' parameter of {type(self).__name__} must be "
                              f"'auto' or an int >= 1. Got {self.batch_size!r} instead.")
        if self.dtype is not None and self.dtype not in ("float32", "float64",
                                                         np.float32, np.float64):
            raise ConfigError(f"dtype: expected None (follow X), 'float32' or 'float64', got "
                              f"{self.dtype!r}")
        for name in ("shuffle", "warm_start", "early_stopping", "nesterovs_momentum"):
            try:
                check_bool(getattr(self, name), name)
            except GlassnetError:
                raise ConfigError(f"The '{name}' parameter of {type(self).__name__} must be "
                                  f"an instance of 'bool'. Got {getattr(self, name)!r} "
                                  "instead.") from None
        if not isinstance(self.verbose, (bool, np.bool_, int, np.integer)):
            raise ConfigError(f"verbose: expected a bool or an int, got {self.verbose!r}")
        if self.callbacks is not None and (
                not isinstance(self.callbacks, (list, tuple))
                or not all(isinstance(c, Callback) for c in self.callbacks)):
            raise ArgumentTypeError(
                f"callbacks: expected a list of glassnet Callback objects, got "
                f"{self.callbacks!r}"
            )
        sizes = self._hidden_sizes()
        acts = _as_list(self.activation, len(sizes), "activation")
        for act in acts:
            if not (isinstance(act, str) and act in _ACTIVATIONS):
                # glassnet's other activations are welcome too (by name or object)
                try:
                    activations.get(act)
                except GlassnetError as exc:
                    raise ConfigError(f"activation: {exc}") from None
        rates = _as_list(self.dropout, len(sizes), "dropout")
        for rate in rates:
            try:
                check_float(rate, "dropout", minimum=0.0, maximum=1.0, include_maximum=False)
            except GlassnetError:
                raise ConfigError(f"dropout: expected a rate in [0, 1), got {rate!r}") from None
        if self.solver == "lbfgs" and any(rate > 0 for rate in rates):
            raise OutsideSubsetError(
                "dropout with solver='lbfgs': L-BFGS needs one deterministic objective; use "
                "solver='adam' or 'sgd' with dropout")
        for name in ("kernel_initializer", "bias_initializer"):
            value = getattr(self, name)
            if not (isinstance(value, str) and value == "auto"):
                try:
                    initializers.get(value)
                except GlassnetError as exc:
                    raise ConfigError(f"{name}: {exc}") from None
        if isinstance(self.transform_layer, bool) or not isinstance(
                self.transform_layer, (int, np.integer)):
            raise ConfigError(f"transform_layer: expected an int (a hidden layer's index), "
                              f"got {self.transform_layer!r}")

    # -- building the network -----------------------------------------------------------------
    def _check_memory(self, n_features: int, sizes: list[int], n_outputs: int,
                      batch: int, itemsize: int) -> None:
        units = [n_features, *sizes, n_outputs]
        n_params = sum((a + 1) * b for a, b in zip(units[:-1], units[1:]))
        need = itemsize * (4 * n_params + 3 * batch * sum(units[1:]) + batch * n_features)
        if need > MEMORY_BUDGET_BYTES:
            raise ConfigError(
                f"hidden_layer_sizes: a network of {units} units ({n_params:,} parameters) "
                f"would need about {need / 2**30:,.1f} GiB to train, more than "
                f"glassnet.sklearn.MEMORY_BUDGET_BYTES ({MEMORY_BUDGET_BYTES / 2**30:g} GiB); "
                "use fewer units or raise the budget"
            )

    def _initializers(self, fan_in: int, fan_out: int, activation: Any) -> tuple[Any, Any]:
        bound = _glorot_bound(fan_in, fan_out, activation)
        auto = initializers.RandomUniform(-bound, bound)
        w = auto if _is_auto(self.kernel_initializer) else self.kernel_initializer
        b = auto if _is_auto(self.bias_initializer) else self.bias_initializer
        return w, b

    def _build_model(self, units: list[int], seed: int, dtype: Any) -> Sequential:
        n_hidden = len(units) - 2
        acts = _as_list(self.activation, n_hidden, "activation")
        rates = _as_list(self.dropout, n_hidden, "dropout")
        regularizer = regularizers.l2(0.0) if self.alpha > 0 else None
        stack: list[Any] = [layers.Input(shape=(units[0],))]
        for i in range(n_hidden):
            w, b = self._initializers(units[i], units[i + 1], acts[i])
            stack.append(layers.Dense(units[i + 1], activation=acts[i], kernel_initializer=w,
                                      bias_initializer=b, kernel_regularizer=regularizer,
                                      name=f"hidden_{i + 1}"))
            if rates[i] > 0:
                stack.append(layers.Dropout(rates[i], name=f"dropout_{i + 1}"))
        w, b = self._initializers(units[-2], units[-1], acts[-1] if acts else "relu")
        out = self._output_activation()
        stack.append(layers.Dense(units[-1], activation="exponential" if out == "exp" else out,
                                  kernel_initializer=w, bias_initializer=b,
                                  kernel_regularizer=regularizer, name="output"))
        model = Sequential(stack, seed=seed, dtype=dtype, name=type(self).__name__)
        loss, self._report_ratio = self._engine_loss(units[-1])
        model.compile(loss=loss, optimizer="sgd")
        self._regularizer = regularizer
        return model

    def _dense_layers(self) -> list[Any]:
        return [layer for layer in self.model_.layers if isinstance(layer, layers.Dense)]

    def _model_seed(self, rs: np.random.RandomState) -> int:
        """The glassnet model's seed (its dropout masks, glassnet initializers): the int
        ``random_state`` itself, else drawn from the call's generator when something uses it
        (so scikit-learn's draws stay scikit-learn's otherwise)."""
        state = self.random_state
        if isinstance(state, (int, np.integer)) and not isinstance(state, bool):
            return int(state)
        uses = not _is_auto(self.kernel_initializer) or not _is_auto(self.bias_initializer) or any(
            rate > 0 for rate in _as_list(self.dropout, len(self._hidden_sizes()), "dropout"))
        return int(rs.randint(0, 2**31 - 1)) if uses else new_seed()

    def _initialize(self, Y: Array, units: list[int], dtype: Any,
                    rs: np.random.RandomState) -> None:
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = int(Y.shape[1])
        self.n_layers_ = len(units)
        self.out_activation_ = self._output_activation()
        self.model_ = self._build_model(units, self._model_seed(rs), dtype)
        dense = self._dense_layers()
        # scikit-learn's draws, layer after layer: W ~ U(-r, r) (n_in, units), then b
        acts = _as_list(self.activation, len(units) - 2, "activation")
        for layer, fan_in, fan_out, act in zip(dense, units[:-1], units[1:],
                                               acts + acts[-1:]):
            bound = _glorot_bound(fan_in, fan_out, act)
            W = rs.uniform(-bound, bound, (fan_in, fan_out))
            b = rs.uniform(-bound, bound, fan_out)
            if _is_auto(self.kernel_initializer):
                np.copyto(layer.params[0], W, casting="unsafe")
            if _is_auto(self.bias_initializer):
                np.copyto(layer.params[1], b, casting="unsafe")
        self.coefs_ = [layer.W for layer in dense]
        self.intercepts_ = [layer.b for layer in dense]
        if hasattr(self, "_optimizer"):
            del self._optimizer
        if self.solver in _STOCHASTIC:
            self.loss_curve_: list[float] = []
            self.validation_loss_curve_: list[float] = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _sync_weights(self) -> None:
        """Make the network follow ``coefs_`` and ``intercepts_``: arrays a user assigned
        (or that a pickler stored apart) are copied into the network's own arrays, which
        the lists then hold again. A list whose shapes differ from the network's rebuilds it."""
        coefs, intercepts = list(self.coefs_), list(self.intercepts_)
        if len(coefs) != len(intercepts) or not coefs:
            raise ConfigError(f"coefs_ and intercepts_: expected one array per layer each, "
                              f"got {len(coefs)} and {len(intercepts)}")
        coefs = [np.asarray(c) for c in coefs]
        intercepts = [np.asarray(b).reshape(-1) for b in intercepts]
        for i, (c, b) in enumerate(zip(coefs, intercepts)):
            if c.ndim != 2 or b.shape[0] != c.shape[1]:
                raise ConfigError(f"coefs_[{i}] {c.shape} and intercepts_[{i}] {b.shape}: "
                                  "expected (n_in, units) and (units,)")
        model = getattr(self, "model_", None)
        shapes = [c.shape for c in coefs]
        if model is None or [layer.W.shape for layer in self._dense_layers()] != shapes:
            units = [shapes[0][0]] + [s[1] for s in shapes]
            dtype = self._dtype_for(coefs[0].dtype) if coefs[0].dtype.kind == "f" \
                else np.float64
            self.model_ = self._build_model(units, self._model_seed(_random_state(
                self.random_state)), dtype)
        for layer, c, b in zip(self._dense_layers(), coefs, intercepts):
            if c is not layer.params[0]:
                np.copyto(layer.params[0], c, casting="unsafe")
            if b is not layer.params[1]:
                np.copyto(layer.params[1], b, casting="unsafe")
        dense = self._dense_layers()
        self.coefs_ = [layer.W for layer in dense]
        self.intercepts_ = [layer.b for layer in dense]

    def _dtype_for(self, x_dtype: Any) -> Any:
        if self.dtype is not None:
            return np.dtype(self.dtype)
        return np.dtype(np.float32) if np.dtype(x_dtype) == np.float32 else np.dtype(np.float64)

    # -- fitting ------------------------------------------------------------------------------
    def _fit(self, X: Any, y: Any, sample_weight: Any = None, incremental: bool = False) -> Any:
        """Fit or partial_fit; a call that raises leaves the estimator as it was (scikit-learn's
        own MLP keeps the weights of a run that ended in non-finite values: glassnet puts
        back the state from before the call, a copy taken first; about 0.2 ms for the
        default network on the digits)."""
        saved = copy.deepcopy(self.__dict__) if hasattr(self, "coefs_") else dict(self.__dict__)
        try:
            return self._fit_checked(X, y, sample_weight, incremental)
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit_checked(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> Any:
        self._check_params()
        if incremental and self.early_stopping:
            raise ConfigError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        sizes = self._hidden_sizes()
        n, n_features = X.shape
        units = [n_features, *sizes, int(Y.shape[1])]
        batch = n if self.solver == "lbfgs" else self._batch_size(n)
        dtype = self._dtype_for(X.dtype)
        self._check_memory(n_features, sizes, int(Y.shape[1]), batch, dtype.itemsize)
        rs = _random_state(self.random_state)
        if first:
            self._initialize(Y, units, dtype, rs)
        else:
            self._sync_weights()
            if self.coefs_[0].shape[0] != n_features or self.coefs_[-1].shape[1] != Y.shape[1]:
                raise ConfigError(
                    f"X, y: the data needs a network of {n_features} inputs and {Y.shape[1]} "
                    f"outputs, the fitted one has {self.coefs_[0].shape[0]} and "
                    f"{self.coefs_[-1].shape[1]}; fit without warm_start to start again")
        model = self.model_
        x = X.astype(model.dtype, copy=False)
        start = time.perf_counter()
        if self.solver == "lbfgs":
            self._fit_lbfgs(x, Y, sample_weight)
        else:
            self._fit_stochastic(x, Y, sample_weight, incremental, rs)
        self.fit_time_ = time.perf_counter() - start
        if not all(np.isfinite(w).all() for w in self.coefs_ + self.intercepts_):
            raise ConfigError(
                "Solver produced non-finite parameter weights. The input data may contain "
                "large values and need to be preprocessed.")
        return self

    def _batch_size(self, n: int) -> int:
        if self.batch_size == "auto":
            return min(200, n)
        if self.batch_size > n:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is "
                          "going to be clipped", stacklevel=4)
        return int(np.clip(self.batch_size, 1, n))

    def _targets(self, Y: Array) -> Array:
        return np.ascontiguousarray(Y, dtype=self.model_.dtype)

    def _set_penalty(self, weight_sum: float) -> None:
        if self._regularizer is not None:
            self._regularizer.l2 = 0.5 * float(self.alpha) / weight_sum

    def _fit_lbfgs(self, x: Any, Y: Array, sample_weight: Any) -> None:
        model = self.model_
        t = self._targets(Y)
        dense = self._dense_layers()
        arrays = [layer.params[0] for layer in dense] + [layer.params[1] for layer in dense]
        sizes = [a.size for a in arrays]
        bounds = np.cumsum([0, *sizes])
        w = self._weights_for(sample_weight, x.shape[0])
        self._set_penalty(float(x.shape[0]) if sample_weight is None
                          else float(np.sum(sample_weight)))

        def objective(theta: Array) -> tuple[float, Array]:
            for a, lo, hi in zip(arrays, bounds[:-1], bounds[1:]):
                np.copyto(a, theta[lo:hi].reshape(a.shape), casting="unsafe")
            value = self._compute(x, t, w)
            grads = [layer.grads[0] for layer in dense] + [layer.grads[1] for layer in dense]
            # the layers' caches stay until the next call replaces them: freeing every
            # full-batch array each call lets malloc hand the pages back and fault them in
            # again (measured: 1.7x the time of scikit-learn's own L-BFGS on the digits)
            return value, np.concatenate([g.ravel() for g in grads]).astype(np.float64)

        theta0 = np.concatenate([a.ravel() for a in arrays]).astype(np.float64)
        options: dict[str, Any] = {"maxfun": int(self.max_fun), "maxiter": int(self.max_iter),
                                   "gtol": float(self.tol)}
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                result = scipy.optimize.minimize(objective, theta0, method="L-BFGS-B",
                                                 jac=True, options=options)
        finally:
            model.clear_caches()  # no batch kept alive by the fitted estimator
        if result.status != 0:
            message = result.message
            if isinstance(message, bytes):
                message = message.decode("latin1")
            warnings.warn(
                f"lbfgs failed to converge after {result.nit} iteration(s) "
                f"(status={result.status}):\n{message}\n\nIncrease the number of iterations "
                "to improve the convergence (max_iter={self.max_iter}).",
                ConvergenceWarning, stacklevel=4)
        self.n_iter_ = int(min(result.nit, self.max_iter))
        for a, lo, hi in zip(arrays, bounds[:-1], bounds[1:]):
            np.copyto(a, result.x[lo:hi].reshape(a.shape), casting="unsafe")
        self.loss_ = float(result.fun)
        if self._report_ratio != 1.0:  # several regression targets: averaged, as reported
            penalty = model.regularization_loss()
            self.loss_ = (self.loss_ - penalty) * self._report_ratio + penalty
        self.loss_ += self._loss_offset(t, sample_weight)

    def _weights_for(self, sample_weight: Any, m: int) -> Any:
        """The engine's per-example weights for a batch: glassnet's rule divides the weighted
        sum by the batch size, scikit-learn's by the sum of the weights."""
        if sample_weight is None:
            return None
        total = float(np.sum(sample_weight))
        return np.asarray(sample_weight, dtype=self.model_.dtype) * (m / total)

    def _compute(self, x: Any, t: Array, w: Any) -> float:
        """Forward and backward on one batch: the engine's loss (scikit-learn's objective,
        the penalty included) with every gradient filled."""
        model = self.model_
        if w is None:
            value, _ = model.compute_gradients(x, t, training=True)
        else:
            value, _ = model.compute_gradients(x, t, training=True, sample_weight=w)
        return float(value) + model.regularization_loss()

    def _new_optimizer(self) -> optimizers.Optimizer:
        if self.solver == "sgd":
            return optimizers.SGD(float(self.learning_rate_init), momentum=float(self.momentum),
                                  nesterov=bool(self.nesterovs_momentum))
        if self.solver == "adam":
            return optimizers.Adam(float(self.learning_rate_init), beta_1=float(self.beta_1),
                                   beta_2=float(self.beta_2), epsilon=float(self.epsilon))
        return optimizers.RMSprop(float(self.learning_rate_init), epsilon=float(self.epsilon))

    def _fit_stochastic(self, x: Any, Y: Array, sample_weight: Any, incremental: bool,
                        rs: np.random.RandomState) -> None:
        model = self.model_
        if not incremental or not hasattr(self, "_optimizer") \
                or model.optimizer is not self._optimizer:
            self._optimizer = self._new_optimizer()
            model.optimizer = self._optimizer
        optimizer = self._optimizer
        early = bool(self.early_stopping)
        x_val = y_val = sw_val = t_val = None
        if early:
            x, x_val, Y, Y_val, sample_weight, sw_val = self._split(x, Y, sample_weight, rs)
            y_val = self._labels_of(Y_val)
            t_val = self._targets(Y_val)
            if self.best_validation_score_ is None:
                self.best_validation_score_ = -np.inf
            if self.validation_scores_ is None:
                self.validation_scores_ = []
            self.best_loss_ = None
            self._best_weights = [a.copy() for a in self.coefs_ + self.intercepts_]
        elif self.best_loss_ is None:
            self.best_loss_ = np.inf
        t = self._targets(Y)
        n = x.shape[0]
        batch = self._batch_size(n)
        order = np.arange(n)
        callbacks = list(self.callbacks or [])
        for cb in callbacks:
            cb.set_model(model)
            cb.on_train_begin({})
        ratio = self._report_ratio
        offset = self.out_activation_ == "exp"
        self.n_iter_ = 0
        stopped = False
        model.stop_training = False
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for _ in range(int(self.max_iter)):
                if self.shuffle:
                    order = shuffle(order, random_state=rs)
                for cb in callbacks:
                    cb.on_epoch_begin(self.n_iter_, {})
                accumulated = 0.0
                for lo in range(0, n, batch):
                    rows: Any = (order[lo:lo + batch] if self.shuffle
                                 else slice(lo, min(lo + batch, n)))
                    xb, tb = x[rows], t[rows]
                    m = tb.shape[0]
                    if sample_weight is None:
                        self._set_penalty(float(m))
                        wb = None
                    else:
                        sw = sample_weight[rows]
                        self._set_penalty(float(np.sum(sw)))
                        wb = self._weights_for(sw, m)
                    if wb is None:
                        value, _ = model.train_step(xb, tb)
                    else:
                        value, _ = model.train_step(xb, tb, sample_weight=wb)
                    penalty = model.last_penalty
                    accumulated += ((value - penalty) * ratio + penalty) * m
                    if offset:
                        accumulated += self._loss_offset(tb, None if wb is None
                                                         else sample_weight[rows]) * m
                model.clear_caches()
                model.epochs_trained += 1
                self.n_iter_ += 1
                self.loss_ = accumulated / n
                self.t_ += n
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                logs: dict[str, Any] = {"loss": self.loss_}
                if early:
                    logs.update(self._validate_epoch(x_val, y_val, t_val, sw_val))
                else:
                    self._track_loss()
                if self.solver == "sgd" and self.learning_rate == "invscaling":
                    optimizer.learning_rate = (float(self.learning_rate_init)
                                               / (self.t_ + 1) ** float(self.power_t))
                for cb in callbacks:
                    cb.on_epoch_end(self.n_iter_ - 1, logs)
                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if early else "Training loss"
                    msg = (f"{what} did not improve more than tol={self.tol:f} for "
                           f"{self.n_iter_no_change} consecutive epochs.")
                    if self._trigger_stopping(msg):
                        stopped = True
                        break
                    self._no_improvement_count = 0
                if incremental or model.stop_training:
                    stopped = stopped or model.stop_training
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                        "and the optimization hasn't converged yet.",
                        ConvergenceWarning, stacklevel=4)
        for cb in callbacks:
            cb.on_train_end({})
        del stopped
        if early:
            for a, best in zip(self.coefs_ + self.intercepts_, self._best_weights):
                np.copyto(a, best)
            del self._best_weights

    def _trigger_stopping(self, msg: str) -> bool:
        """scikit-learn's rule: stop, or with ``learning_rate="adaptive"`` (sgd) divide the
        step size by 5 until it falls to 1e-6."""
        optimizer = self._optimizer
        if self.solver != "sgd" or self.learning_rate != "adaptive":
            if self.verbose:
                print(msg + " Stopping.")
            return True
        if optimizer.learning_rate <= 1e-6:
            if self.verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        optimizer.learning_rate = optimizer.learning_rate / 5.0
        if self.verbose:
            print(msg + f" Setting learning rate to {float(optimizer.learning_rate):f}")
        return False

    def _track_loss(self) -> None:
        loss = self.loss_curve_[-1]
        if loss > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if loss < self.best_loss_:
            self.best_loss_ = loss

    def _validate_epoch(self, x_val: Any, y_val: Any, t_val: Any,
                        sw_val: Any) -> dict[str, Any]:
        model = self.model_
        score = self._score_on(x_val, y_val, sw_val)
        self.validation_scores_.append(score)
        val_loss = float(model.loss_value_prepared(x_val, t_val))
        self.validation_loss_curve_.append(val_loss)
        if self.verbose:
            print(f"Validation score: {score:f}")
        best = self.best_validation_score_
        if score < best + self.tol:
            self._no_improvement_count += 1
        else:  # an improvement, or a NaN score (as scikit-learn counts it)
            self._no_improvement_count = 0
        if score > best:
            self.best_validation_score_ = score
            self._best_weights = [a.copy() for a in self.coefs_ + self.intercepts_]
        return {"val_score": score, "val_loss": val_loss}

    def _split(self, x: Any, Y: Array, sample_weight: Any,
               rs: np.random.RandomState) -> tuple[Any, ...]:
        arrays = [x, Y] if sample_weight is None else [x, Y, sample_weight]
        parts = train_test_split(*arrays, random_state=rs,
                                 test_size=self.validation_fraction, stratify=self._stratify(Y))
        if parts[1].shape[0] < 2:
            raise ConfigError("The validation set is too small. Increase "
                              "'validation_fraction' or the size of your dataset.")
        if sample_weight is None:
            return parts[0], parts[1], parts[2], parts[3], None, None
        return tuple(parts)

    def _labels_of(self, Y: Array) -> Any:
        return Y

    # -- prediction ---------------------------------------------------------------------------
    def _forward(self, X: Any, check_input: bool = True) -> Array:
        check_is_fitted(self, "coefs_")
        if check_input:
            X = validate_data(self, _numeric(X), accept_sparse=["csr", "csc"], reset=False,
                              dtype=(np.float64, np.float32))
        self._sync_weights()
        model = self.model_
        x = X.astype(model.dtype, copy=False)
        with np.errstate(over="ignore", invalid="ignore"):
            return model.forward(x, cache=False)

    def transform(self, X: Any) -> Array:
        """The activations of hidden layer ``transform_layer`` (default: the last hidden
        layer), one row per example: ``(m, units)``."""
        check_is_fitted(self, "coefs_")
        X = validate_data(self, _numeric(X), accept_sparse=["csr", "csc"], reset=False,
                          dtype=(np.float64, np.float32))
        self._sync_weights()
        target = self._transform_target()
        a = X.astype(self.model_.dtype, copy=False)
        for layer in self.model_.layers:
            a = layer.forward(a, False, False)
            if layer is target:
                return np.asarray(a)
        raise AssertionError("unreachable: the hidden layer is in the model")  # pragma: no cover

    def _transform_target(self) -> Any:
        hidden = self._dense_layers()[:-1]
        index = int(self.transform_layer)
        if not -len(hidden) <= index < len(hidden):
            raise ConfigError(f"transform_layer: expected an index in {-len(hidden)}.."
                              f"{len(hidden) - 1} (the hidden layers), got {index}")
        return hidden[index]

    def get_feature_names_out(self, input_features: Any = None) -> Array:
        """Names of ``transform``'s columns: ``<layer name>_<unit>``, e.g. ``hidden_1_0``."""
        check_is_fitted(self, "coefs_")
        layer = self._transform_target()
        return np.asarray([f"{layer.name}_{j}" for j in range(layer.output_dim)], dtype=object)

    def _check_solver(self) -> bool:
        if self.solver not in _STOCHASTIC:
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. "
                                 f"{self.solver} is not stochastic.")
        return True

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = (
            ["float64", "float32"] if self.dtype is None else [str(np.dtype(self.dtype))])
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multilayer perceptron classifier trained by glassnet (log loss), scikit-learn's
    ``MLPClassifier`` parameter for parameter.

    Two classes: one sigmoid output unit; more: a softmax output layer; multilabel targets
    (a 0/1 indicator matrix): one sigmoid unit per label. ``predict_proba`` gives the output
    probabilities; ``model_`` is the glassnet model. See :mod:`glassnet.sklearn`.
    """

    def _validate_input(self, X: Any, y: Any, incremental: bool,
                        reset: bool) -> tuple[Any, Array]:
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"],
                             multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ConfigError(
                        "warm_start can only be used where `y` has the same classes as in "
                        f"the previous call to fit. Previously got {self.classes_}, `y` has "
                        f"{classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ConfigError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}.")
        Y = self._label_binarizer.transform(y).astype(bool)
        return X, Y

    def _output_activation(self) -> str:
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax"
        return "logistic"

    def _engine_loss(self, n_outputs: int) -> tuple[losses.Loss, float]:
        if self._label_binarizer.y_type_ == "multiclass":
            return losses.CategoricalCrossentropy(), 1.0
        # binary cross-entropy averages over the labels; scikit-learn sums them
        return _SumOverOutputs(losses.BinaryCrossentropy(), n_outputs), 1.0

    def _stratify(self, Y: Array) -> Any:
        return Y if Y.shape[1] == 1 else None

    def _labels_of(self, Y: Array) -> Any:
        return self._label_binarizer.inverse_transform(Y)

    def _score_on(self, x: Any, y: Any, sample_weight: Any) -> float:
        out = self._forward(x, check_input=False)
        if not np.isfinite(out).all():
            return float("nan")
        return float(accuracy_score(y, self._labels(out), sample_weight=sample_weight))

    def _labels(self, out: Array) -> Any:
        if self.n_outputs_ == 1:
            out = out.ravel()
        return self._label_binarizer.inverse_transform(out)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        """Train from scratch (or, with ``warm_start``, from the current weights)."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None,
                    classes: Any = None) -> MLPClassifier:
        """One epoch over ``(X, y)``; the first call needs ``classes`` (every label)."""
        first = not hasattr(self, "classes_")
        if first and classes is None:
            raise ConfigError("classes must be passed on the first call to partial_fit.")
        if not first and classes is not None:
            if not np.array_equal(self.classes_, unique_labels(classes)):
                raise ConfigError(
                    f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                    f"was: {self.classes_!r}")
        if first:
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
            self.classes_ = self._label_binarizer.classes_
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X: Any) -> Any:
        """The most probable class of each example (multilabel: each label whose
        probability is above 0.5, as a 0/1 matrix)."""
        check_is_fitted(self, "coefs_")
        return self._labels(self._forward(X))

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities, ``(m, n_classes)``, columns in the order of ``classes_`` (for
        multilabel targets: each label's own probability)."""
        check_is_fitted(self, "coefs_")
        out = self._forward(X)
        if self.n_outputs_ == 1:
            p = out.ravel()
            return np.vstack([1 - p, p]).T
        return out

    def predict_log_proba(self, X: Any) -> Array:
        """``log(predict_proba(X))``."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multilayer perceptron regressor trained by glassnet, scikit-learn's
    ``MLPRegressor`` parameter for parameter: ``loss="squared_error"`` (an identity output)
    or ``"poisson"`` (an exponential output), one or several targets. See
    :mod:`glassnet.sklearn`."""

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: Any = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: Any = 10,
        max_fun: int = 15000,
        kernel_initializer: Any = "auto",
        bias_initializer: Any = "auto",
        dropout: Any = 0.0,
        transform_layer: int = -1,
        dtype: Any = None,
        callbacks: Any = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            max_fun=max_fun, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, dropout=dropout,
            transform_layer=transform_layer, dtype=dtype, callbacks=callbacks)
        self.loss = loss

    def _check_params(self) -> None:
        if not isinstance(self.loss, str) or self.loss not in ("squared_error", "poisson"):
            raise ConfigError(f"The 'loss' parameter of MLPRegressor must be one of "
                              f"'squared_error', 'poisson'. Got {self.loss!r} instead.")
        super()._check_params()

    def _validate_input(self, X: Any, y: Any, incremental: bool,
                        reset: bool) -> tuple[Any, Array]:
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"],
                             multi_output=True,
                             y_numeric=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        # scikit-learn skips the finiteness check for targets given as an object array and
        # fails after training; refused here, before any weight moves
        if y.dtype.kind not in "biuf":
            raise DataError(f"y: expected numeric targets for a regressor, got dtype {y.dtype}")
        if not np.isfinite(y).all():
            raise DataError("Input y contains NaN or infinity; expected finite targets")
        if self.loss == "poisson" and (np.any(y < 0) or np.sum(y) <= 0):
            raise ConfigError("y: loss='poisson' requires non-negative targets with a "
                              "positive sum")
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        return X, Y

    def _output_activation(self) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    def _loss_offset(self, t: Array, sample_weight: Any) -> float:
        if self.loss != "poisson":
            return 0.0
        from scipy.special import xlogy

        return float(np.average(xlogy(t, t) - t, weights=sample_weight, axis=0).sum())

    def _engine_loss(self, n_outputs: int) -> tuple[losses.Loss, float]:
        if self.loss == "poisson":
            poisson = getattr(losses, "Poisson", None)
            if poisson is None:  # pragma: no cover - the engine has it
                raise OutsideSubsetError("loss='poisson' needs glassnet's Poisson loss")
            return _SumOverOutputs(poisson(), n_outputs), 1.0
        # 0.5 * the squared error summed over the outputs (the gradient scikit-learn
        # follows); it reports the squared error averaged over the outputs
        return _SumOverOutputs(losses.MeanSquaredError(), 0.5 * n_outputs), 1.0 / n_outputs

    def _score_on(self, x: Any, y: Any, sample_weight: Any) -> float:
        out = self._forward(x, check_input=False)
        if not np.isfinite(out).all():
            return float("nan")
        return float(r2_score(y, out.ravel() if out.shape[1] == 1 else out,
                              sample_weight=sample_weight))

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """Train from scratch (or, with ``warm_start``, from the current weights)."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over ``(X, y)``, continuing from the current weights."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X: Any) -> Array:
        """The outputs in the network's dtype, ``(m,)`` for one target, ``(m, n_targets)``
        for several."""
        check_is_fitted(self, "coefs_")
        out = self._forward(X)
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
