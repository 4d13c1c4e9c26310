"""scikit-learn estimators over glassnet: :class:`MLPClassifier` and :class:`MLPRegressor`.

They drop into ``Pipeline``, ``GridSearchCV`` and ``cross_val_score`` like scikit-learn's own
MLPs and pass scikit-learn's ``parametrize_with_checks`` suite. The parameters keep
scikit-learn's names where the meaning is the same (``hidden_layer_sizes``, ``activation``,
``solver``, ``alpha``, ``batch_size``, ``learning_rate_init``, ``max_iter``, ``tol``,
``n_iter_no_change``, ``early_stopping``, ``validation_fraction``, ``warm_start``, ...), and add
what glassnet has beside: per-layer activations, any glassnet initializer, dropout, glassnet
callbacks, the validation *loss* curve, ``transform`` (hidden activations) and the trained
:class:`glassnet.Sequential` itself at ``model_``, so every instrument of ``glassnet.inspect``
works on a fitted estimator.

``alpha`` is an L2 penalty on every weight matrix (not the biases), as in scikit-learn, whose
objective per batch of ``n`` examples is ``loss + alpha / (2 n) * sum ||W||^2``. glassnet's
penalty ``l2(c)`` adds ``c * sum ||W||^2`` to the batch loss, so the estimators use
``c = alpha / (2 * batch_size)`` for the classifier (the same objective as scikit-learn's) and
``c = alpha / batch_size`` for the regressor, whose loss glassnet writes as the plain mean
squared error where scikit-learn halves it (twice scikit-learn's objective, same minimum). Only
a short last batch of an epoch sees a slightly different weight on the penalty than
scikit-learn would give it.

These estimators need scikit-learn >= 1.6 (its estimator API and tags);
``pip install glassnet[sklearn]``. Nothing else in glassnet imports this module.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError(
        "glassnet.sklearn needs scikit-learn >= 1.6: pip install 'glassnet[sklearn]'"
    ) from exc

from . import activations, initializers, layers, losses, new_seed, optimizers, regularizers
from .callbacks import Callback
from .errors import ArgumentTypeError, ConfigError, GlassnetError
from .model import Sequential

__all__ = ["MLPClassifier", "MLPRegressor"]

Array = NDArray[Any]

_SOLVERS = ("adam", "sgd", "rmsprop")


class _Monitor(Callback):
    """Records the estimator's curves after each epoch and applies scikit-learn's stopping
    rule (``tol``, ``n_iter_no_change``), on the training loss or, with early stopping, on the
    validation score (keeping the best epoch's weights)."""

    def __init__(self, est: _BaseMLP, n_train: int, val: tuple[Array, Any] | None,
                 stopping: bool) -> None:
        self.est = est
        self.n_train = n_train
        self.val = val
        self.stopping = stopping
        self.converged = False
        self.best_weights: list[Array] | None = None
        self.epochs = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        est = self.est
        logs = logs or {}
        self.epochs += 1
        est.n_iter_ += 1
        est.t_ += self.n_train
        est.loss_curve_.append(float(logs["loss"]))
        if self.val is not None:
            est.validation_loss_curve_.append(float(logs["val_loss"]))
            score = est._validation_score(*self.val)
            est.validation_scores_.append(score)
        if est.verbose:
            line = f"Iteration {est.n_iter_}, loss = {est.loss_curve_[-1]:.8f}"
            if self.val is not None:
                line += (f", validation loss = {est.validation_loss_curve_[-1]:.8f}"
                         f", validation score = {est.validation_scores_[-1]:.6f}")
            print(line)
        if not self.stopping:
            return
        if self.val is not None:
            score = est.validation_scores_[-1]
            if score < est.best_validation_score_ + est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                self.best_weights = self.model.get_weights()
        else:
            loss = est.loss_curve_[-1]
            if loss > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            est.best_loss_ = min(est.best_loss_, loss)
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if self.val is not None else "Training loss"
            if est.verbose:
                print(f"{what} did not improve more than tol={est.tol} for "
                      f"{est.n_iter_no_change} consecutive epochs. Stopping.")
            self.converged = True
            self.model.stop_training = True


def _seed_words(random_state: Any) -> tuple[int, int, int]:
    """Three seeds (weights, shuffling, validation split) from ``random_state``: an int gives
    the same three every time; a ``RandomState`` or ``Generator`` is drawn from (and advances);
    ``None`` draws from the operating system, or, once ``glassnet.set_global_seed`` (or
    ``tf.random.set_seed`` in the course bridge) has set a global seed, takes the next seed
    of its sequence, as every other unseeded glassnet object does."""
    if random_state is None:
        seq = np.random.SeedSequence(new_seed())
    elif isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ConfigError(f"random_state: expected an int >= 0, got {random_state}")
        seq = np.random.SeedSequence(int(random_state))
    elif isinstance(random_state, np.random.RandomState):
        seq = np.random.SeedSequence(random_state.randint(0, 2**31 - 1, size=4).tolist())
    elif isinstance(random_state, np.random.Generator):
        seq = np.random.SeedSequence(random_state.integers(0, 2**63 - 1, size=2).tolist())
    else:
        raise ConfigError(
            "random_state: expected None, an int, a numpy RandomState or Generator, got "
            f"{random_state!r}"
        )
    words = seq.generate_state(3, dtype=np.uint32)
    return int(words[0]), int(words[1]), int(words[2])


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


class _BaseMLP(TransformerMixin, BaseEstimator):
    """What the classifier and the regressor share: parameters, the model, the loop."""

    # fitted attributes (set by fit, absent before)
    model_: Sequential
    best_loss_: Any
    best_validation_score_: Any

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        dropout: Any = 0.0,
        transform_layer: int = -1,
        dtype: str = "float32",
        callbacks: Any = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
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
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.dropout = dropout
        self.transform_layer = transform_layer
        self.dtype = dtype
        self.callbacks = callbacks

    # -- what the subclasses say --------------------------------------------------------------
    _output_activation = "linear"

    def _encode_targets(self, y: Any, first: bool, classes: Any) -> tuple[Array, int]:
        raise NotImplementedError

    def _loss(self) -> losses.Loss:
        raise NotImplementedError

    def _penalty_scale(self) -> float:
        """The factor between scikit-learn's per-example penalty and glassnet's l2 ``c``."""
        raise NotImplementedError

    def _validation_score(self, x: Array, y: Any) -> float:
        raise NotImplementedError

    def _stratify(self, y: Any) -> Any:
        return None

    # -- parameters ---------------------------------------------------------------------------
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
            sizes = [sizes]
        if not isinstance(sizes, (list, tuple, np.ndarray)) or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
            for s in sizes
        ):
            raise ConfigError(
                "hidden_layer_sizes: expected a positive int or a sequence of positive ints "
                f"(units per hidden layer), got {sizes!r}"
            )
        return [int(s) for s in sizes]

    def _check_params(self) -> None:
        """Validate every hyperparameter (at fit time, as scikit-learn does)."""
        def number(name: str, low: float, high: float | None = None, *,
                   low_open: bool = False, high_open: bool = False) -> None:
            value = getattr(self, name)
            ok = (isinstance(value, (int, float, np.integer, np.floating))
                  and not isinstance(value, bool) and np.isfinite(value)
                  and (value > low if low_open else value >= low)
                  and (high is None or (value < high if high_open else value <= high)))
            if not ok:
                upper = "inf)" if high is None else f"{high}{')' if high_open else ']'}"
                interval = f"{'(' if low_open else '['}{low}, {upper}"
                raise ConfigError(f"{name}: expected a number in {interval}, got {value!r}")

        def integer(name: str, low: int) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value < low:
                raise ConfigError(f"{name}: expected an int >= {low}, got {value!r}")

        if self.solver not in _SOLVERS:
            raise ConfigError(f"solver: expected one of {', '.join(_SOLVERS)}, got "
                              f"{self.solver!r}")
        number("alpha", 0.0)
        number("learning_rate_init", 0.0, low_open=True)
        number("tol", 0.0)
        number("momentum", 0.0, 1.0)
        number("validation_fraction", 0.0, 1.0, low_open=True, high_open=True)
        number("beta_1", 0.0, 1.0, high_open=True)
        number("beta_2", 0.0, 1.0, high_open=True)
        number("epsilon", 0.0, low_open=True)
        integer("max_iter", 1)
        integer("n_iter_no_change", 1)
        if not (self.batch_size == "auto" or (
                isinstance(self.batch_size, (int, np.integer))
                and not isinstance(self.batch_size, bool) and self.batch_size >= 1)):
            raise ConfigError(
                f"batch_size: expected 'auto' or an int >= 1, got {self.batch_size!r}"
            )
        if self.dtype not in ("float32", "float64"):
            raise ConfigError(f"dtype: expected 'float32' or 'float64', got {self.dtype!r}")
        for name in ("shuffle", "verbose", "warm_start", "early_stopping", "nesterovs_momentum"):
            if not isinstance(getattr(self, name), (bool, np.bool_, int)):
                raise ConfigError(f"{name}: expected a bool, got {getattr(self, name)!r}")
        if self.callbacks is not None and (
                not isinstance(self.callbacks, (list, tuple))
                or not all(isinstance(c, Callback) for c in self.callbacks)):
            raise ArgumentTypeError(
                f"callbacks: expected a list of glassnet Callback objects, got "
                f"{self.callbacks!r}"
            )
        for name in ("kernel_initializer", "bias_initializer"):
            try:
                initializers.get(getattr(self, name))
            except GlassnetError as exc:
                raise ConfigError(f"{name}: {exc}") from exc
        n_hidden = len(self._hidden_sizes())
        for act in _as_list(self.activation, n_hidden, "activation"):
            try:
                activations.get(act)
            except GlassnetError as exc:
                raise ConfigError(f"activation: {exc}") from exc
        for rate in _as_list(self.dropout, n_hidden, "dropout"):
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) \
                    or not 0.0 <= rate < 1.0:
                raise ConfigError(f"dropout: expected rates in [0, 1), got {self.dropout!r}")
        if not isinstance(self.transform_layer, (int, np.integer)) \
                or isinstance(self.transform_layer, bool):
            raise ConfigError(
                f"transform_layer: expected an int (index of a hidden layer), got "
                f"{self.transform_layer!r}"
            )

    def _batch_size(self, m: int) -> int:
        if self.batch_size == "auto":
            return min(200, m)
        if self.batch_size > m:
            warnings.warn(f"Got `batch_size` less than 1 or larger than sample size. It is "
                          f"going to be clipped to {m}", UserWarning, stacklevel=3)
        return int(min(self.batch_size, m))

    def _optimizer(self) -> optimizers.Optimizer:
        if self.solver == "sgd":
            return optimizers.SGD(learning_rate=self.learning_rate_init,
                                  momentum=self.momentum,
                                  nesterov=bool(self.nesterovs_momentum) and self.momentum > 0)
        if self.solver == "rmsprop":
            return optimizers.RMSprop(learning_rate=self.learning_rate_init,
                                      epsilon=self.epsilon)
        return optimizers.Adam(learning_rate=self.learning_rate_init, beta_1=self.beta_1,
                               beta_2=self.beta_2, epsilon=self.epsilon)

    def _build_model(self, n_features: int, n_outputs: int, seed: int, c: float) -> Sequential:
        sizes = self._hidden_sizes()
        acts = _as_list(self.activation, len(sizes), "activation")
        rates = _as_list(self.dropout, len(sizes), "dropout")
        regularizer = regularizers.l2(c) if c > 0 else None
        init_w = initializers.get(self.kernel_initializer)
        init_b = initializers.get(self.bias_initializer)
        stack: list[Any] = [layers.Input(shape=(n_features,))]
        for i, (units, act, rate) in enumerate(zip(sizes, acts, rates), start=1):
            stack.append(layers.Dense(units, activation=act, kernel_initializer=init_w,
                                      bias_initializer=init_b, kernel_regularizer=regularizer,
                                      name=f"hidden_{i}"))
            if rate > 0:
                stack.append(layers.Dropout(rate, name=f"dropout_{i}"))
        stack.append(layers.Dense(n_outputs, activation=self._output_activation,
                                  kernel_initializer=init_w, bias_initializer=init_b,
                                  kernel_regularizer=regularizer, name="output"))
        return Sequential(stack, seed=seed, dtype=self.dtype, name=type(self).__name__)

    def _compile(self) -> None:
        self.model_.compile(loss=self._loss(), optimizer=self._optimizer())

    # -- fitting ------------------------------------------------------------------------------
    def _fit(self, X: Any, y: Any, *, incremental: bool, classes: Any = None) -> Any:
        self._check_params()
        fitted = hasattr(self, "model_")
        first = not fitted or (not self.warm_start and not incremental)
        X, y = self._validate_xy(X, y, reset=first)
        targets, n_outputs = self._encode_targets(y, first, classes)
        m = X.shape[0]
        if first:
            seeds = _seed_words(self.random_state)
            self._seeds = seeds
            self._partial_calls = 0
            self.n_iter_ = 0
            self.t_ = 0
            self.loss_curve_: list[float] = []
            self.validation_loss_curve_: list[float] = []
            self.validation_scores_: list[float] = []
            self.best_loss_ = np.inf
            self.best_validation_score_ = -np.inf
        elif self.model_.output_dim != n_outputs or self.model_.input_dim != X.shape[1]:
            raise ConfigError(
                f"the data needs a network of {X.shape[1]} inputs and {n_outputs} outputs, "
                f"but the fitted one has {self.model_.input_dim} and "
                f"{self.model_.output_dim}; fit without warm_start to start again"
            )
        seeds = self._seeds
        val = None
        validation_data = None
        if self.early_stopping and not incremental:
            # held out before the batch size is chosen, as scikit-learn does
            X, x_val, targets, t_val, _, y_val = train_test_split(
                X, targets, y, test_size=self.validation_fraction, random_state=seeds[2],
                stratify=self._stratify(y))
            validation_data = (x_val, t_val)
            val = (x_val, y_val)
            m = X.shape[0]
            self.best_loss_ = None
            if first or self.best_validation_score_ is None:
                self.best_validation_score_ = -np.inf
        else:
            self.best_validation_score_ = None
            if self.best_loss_ is None:
                self.best_loss_ = np.inf
        batch_size = self._batch_size(m)
        c = self.alpha * self._penalty_scale() / batch_size
        if first:
            self.model_ = self._build_model(X.shape[1], n_outputs, seeds[0], c)
        elif c > 0:
            # a continued fit keeps the penalty per example: c follows this fit's batch size
            for layer in self._dense_layers():
                if layer.kernel_regularizer is not None:
                    layer.kernel_regularizer = regularizers.l2(c)
        if first or not incremental or self.model_.optimizer is None:
            self._compile()
        if not incremental:
            self._no_improvement_count = 0
        monitor = _Monitor(self, m, val, stopping=not incremental)
        # The shuffle order of each call is a function of the seed and the call's number,
        # so a run of partial_fit calls replays exactly.
        self._partial_calls += 1
        shuffle_seed = int(np.random.SeedSequence(seeds[1], spawn_key=(self._partial_calls,))
                           .generate_state(1, dtype=np.uint32)[0])
        epochs = 1 if incremental else int(self.max_iter)
        start = time.perf_counter()
        self.model_.fit(X, targets, epochs=epochs, batch_size=batch_size,
                        validation_data=validation_data, shuffle=bool(self.shuffle),
                        seed=shuffle_seed, callbacks=[monitor, *(self.callbacks or [])],
                        verbose=0)
        self.fit_time_ = time.perf_counter() - start
        if monitor.best_weights is not None:
            self.model_.set_weights(monitor.best_weights)
        if not incremental and not monitor.converged and monitor.epochs == epochs:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                f"optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)
        return self

    def _validate_xy(self, X: Any, y: Any, reset: bool) -> tuple[Array, Any]:
        raise NotImplementedError

    def _check_X(self, X: Any) -> Array:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return np.asarray(X)

    def _outputs(self, X: Any) -> Array:
        x = self._check_X(X)
        return self.model_.predict(x, batch_size=4096)

    # -- fitted attributes and the hidden layers ----------------------------------------------
    def _dense_layers(self) -> list[Any]:
        check_is_fitted(self, "model_")
        return [layer for layer in self.model_.layers if isinstance(layer, layers.Dense)]

    @property
    def coefs_(self) -> list[Array]:
        """The weight matrices ``W`` (``(n_in, units)``) of every Dense layer, live."""
        return [layer.W for layer in self._dense_layers()]

    @property
    def intercepts_(self) -> list[Array]:
        """The bias vectors ``b`` of every Dense layer, live."""
        return [layer.b for layer in self._dense_layers()]

    @property
    def n_layers_(self) -> int:
        """Layers counted as scikit-learn does: input, hidden layers, output."""
        return len(self._dense_layers()) + 1

    @property
    def n_outputs_(self) -> int:
        return int(self._dense_layers()[-1].output_dim)

    def transform(self, X: Any) -> Array:
        """The activations of hidden layer ``transform_layer`` (default: the last hidden
        layer), one row per example: ``(m, units)``."""
        x = self._check_X(X)
        target = self._transform_target()
        for layer, trace in zip(self.model_.layers, self.model_.trace(x)):
            if layer is target:
                return np.asarray(trace.a)
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
        layer = self._transform_target()
        return np.asarray([f"{layer.name}_{j}" for j in range(layer.output_dim)], dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.transformer_tags.preserves_dtype = [str(self.dtype)]  # the hidden activations
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multilayer perceptron classifier trained by glassnet (log loss).

    Two classes: one sigmoid output unit and binary cross-entropy; more: a softmax output
    layer and categorical cross-entropy; multilabel targets (a 0/1 indicator matrix): one
    sigmoid unit per label and binary cross-entropy. ``predict_proba`` gives the output
    probabilities; ``model_`` is the glassnet model. See :mod:`glassnet.sklearn` for ``alpha``.
    """

    def _validate_xy(self, X: Any, y: Any, reset: bool) -> tuple[Array, Any]:
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32),
                             multi_output=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass", "multilabel-indicator"):
            raise ConfigError(
                f"y: expected binary, multiclass or multilabel targets, got {kind} targets"
            )
        if not reset and (kind == "multilabel-indicator") != self._multilabel:
            raise ConfigError(
                f"y: the estimator was fitted on "
                f"{'multilabel' if self._multilabel else 'single-label'} targets, got {kind}"
            )
        return X, y

    def _encode_targets(self, y: Any, first: bool, classes: Any) -> tuple[Array, int]:
        if np.ndim(y) == 2:  # multilabel indicator matrix: one sigmoid unit per label
            if first:
                self._multilabel = True
                self.classes_ = np.arange(y.shape[1])
            elif y.shape[1] != self.classes_.size:
                raise ConfigError(f"y: expected {self.classes_.size} label columns, got "
                                  f"{y.shape[1]}")
            return np.asarray(y, dtype=self.dtype), int(y.shape[1])
        if first:
            found = np.unique(y) if classes is None else np.unique(np.asarray(classes))
            if found.size < 2:
                raise ConfigError(
                    f"y: {type(self).__name__} needs samples of at least 2 classes in the "
                    f"data, but the data contains only one class: {found[0]!r}"
                )
            self._multilabel = False
            self.classes_ = found
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ConfigError(
                f"classes: expected the classes of the first partial_fit call "
                f"{self.classes_.tolist()}, got {np.unique(classes).tolist()}"
            )
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ConfigError(f"y: labels {unseen.tolist()} are not among the classes "
                              f"{self.classes_.tolist()}")
        if self._multilabel:
            raise ConfigError("y: the estimator was fitted on multilabel targets, got labels")
        index = np.searchsorted(self.classes_, y)
        if self.classes_.size == 2:
            return index.astype(self.dtype), 1
        return index, int(self.classes_.size)

    @property
    def _output_activation(self) -> str:  # type: ignore[override]
        return "softmax" if self.classes_.size > 2 and not self._multilabel else "sigmoid"

    def _loss(self) -> losses.Loss:
        if self.classes_.size == 2 or self._multilabel:
            return losses.BinaryCrossentropy()
        return losses.SparseCategoricalCrossentropy()

    def _penalty_scale(self) -> float:
        return 0.5

    def _stratify(self, y: Any) -> Any:
        return None if np.ndim(y) == 2 else y

    def _proba_from_outputs(self, out: Array) -> Array:
        out = out.astype(np.float64)
        if self._multilabel:
            return out
        if out.shape[1] == 1:
            return np.hstack([1.0 - out, out])
        return out / out.sum(axis=1, keepdims=True)

    def _labels_from_proba(self, proba: Array) -> Array:
        if self._multilabel:
            return (proba > 0.5).astype(int)
        return self.classes_[np.argmax(proba, axis=1)]

    def _validation_score(self, x: Array, y: Any) -> float:
        proba = self._proba_from_outputs(self.model_.predict(x, batch_size=4096))
        pred = self._labels_from_proba(proba)
        if self._multilabel:  # subset accuracy, as score() gives
            return float(np.mean(np.all(pred == y, axis=1)))
        return float(np.mean(pred == y))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train from scratch (or, with ``warm_start``, from the current weights) for up to
        ``max_iter`` epochs."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch over ``(X, y)``; the first call needs ``classes`` (every label)."""
        if not hasattr(self, "model_") and classes is None:
            raise ConfigError("classes: the first call to partial_fit needs every class label "
                              "(classes=np.unique(y_all))")
        return self._fit(X, y, incremental=True, classes=classes)

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities, ``(m, n_classes)``, columns in the order of ``classes_`` (for
        multilabel targets: each label's own probability)."""
        return self._proba_from_outputs(self._outputs(X))

    def predict_log_proba(self, X: Any) -> Array:
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> Array:
        """The most probable class of each example (multilabel: each label whose
        probability is above 0.5, as a 0/1 matrix)."""
        return self._labels_from_proba(self.predict_proba(X))


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multilayer perceptron regressor trained by glassnet (mean squared error), one or
    several outputs. See :mod:`glassnet.sklearn` for how ``alpha`` is scaled."""

    def _validate_xy(self, X: Any, y: Any, reset: bool) -> tuple[Array, Any]:
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32),
                             multi_output=True, y_numeric=True)
        return X, y

    def _encode_targets(self, y: Any, first: bool, classes: Any) -> tuple[Array, int]:
        t = np.asarray(y, dtype=self.dtype)
        if t.ndim == 1:
            t = t.reshape(-1, 1)
        return t, int(t.shape[1])

    def _loss(self) -> losses.Loss:
        return losses.MeanSquaredError()

    def _penalty_scale(self) -> float:
        return 1.0

    def _validation_score(self, x: Array, y: Any) -> float:
        out = self.model_.predict(x, batch_size=4096)
        return float(r2_score(y, out.ravel() if np.ndim(y) == 1 else out))

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train from scratch (or, with ``warm_start``, from the current weights) for up to
        ``max_iter`` epochs."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch over ``(X, y)``, continuing from the current weights."""
        return self._fit(X, y, incremental=True)

    def predict(self, X: Any) -> Array:
        """The outputs (float64, as scikit-learn's regressors give them), ``(m,)`` for one
        target, ``(m, n_targets)`` for several."""
        out = self._outputs(X).astype(np.float64)
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
