"""Metrics reported during training: ``accuracy`` (resolved from the loss), mean squared
and absolute errors, RMSE, cross-entropies, precision, recall and AUC (Keras' definitions).

A metric is called as ``metric(y, out)`` with the targets as prepared by the loss and the
model's output (probabilities, or logits when the loss says ``from_logits``).

A population's members: :meth:`Metric.member_values` takes stacked outputs ``(P, m, K)`` of
``P`` members and their targets (``(P, m)`` labels or ``(P, m, K)``; shared targets as a
broadcast view) and gives each member's value, bit for bit the value of ``metric(y[p],
out[p])``. The mean metrics compute it over the member axis at once (each member's sums over
its own values, contiguous, as the losses do); a metric that knows only one model's arrays is
called member by member.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import Sigmoid
from .checks import check_float, check_int
from .errors import ArgumentTypeError, ConfigError, OutsideSubsetError
from .losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    SparseCategoricalCrossentropy,
    Value,
    mean_value,
)

Array = NDArray[Any]

__all__ = ["AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropyMetric", "CategoricalAccuracy",
           "CategoricalCrossentropyMetric", "MeanAbsoluteError", "MeanSquaredErrorMetric",
           "FalseNegatives", "FalsePositives", "Metric", "Precision", "Recall",
           "RootMeanSquaredError", "SparseCategoricalAccuracy", "TrueNegatives", "TruePositives",
           "SparseCategoricalCrossentropyMetric", "compile_metric", "get", "names",
           "to_config"]


class Metric:
    """A named function ``(y, out) -> float``.

    Over the batches of an epoch, ``fit`` keeps a *state* per metric: ``accumulate(state, y,
    out)`` adds one batch (``state`` None starts one) and ``result_from(state)`` reads it.
    The default is the batch-size weighted mean of the batch values (what Keras' mean metrics
    report); metrics that are not means (RMSE, precision, recall, AUC) keep sufficient
    statistics (sums, confusion counts), so the epoch value equals the metric on all the
    epoch's examples at once."""

    name = "metric"
    #: True for metrics whose epoch value is not the mean of their batch values
    stateful = False
    #: True where ``__call__`` also takes stacked outputs ``(P, m, K)`` with per-member
    #: targets and returns the ``(P,)`` float64 values (see :meth:`member_values`)
    member_axis = False

    def __call__(self, y: Array, out: Array) -> float:
        raise NotImplementedError

    def member_values(self, y: Array, out: Array) -> Array:
        """Each member's value ``(P,)`` (float64) for stacked outputs ``out`` ``(P, m, K)``
        and per-member targets ``y`` (``(P, m)`` labels or ``(P, m, K)``; pass shared targets
        as ``np.broadcast_to(y, ...)``): bit for bit ``self(y[p], out[p])`` for each ``p``.
        Over the member axis at once where the metric can (``member_axis``), else member by
        member (a metric written for one model's arrays)."""
        if self.member_axis:
            return np.asarray(self(y, out), dtype=np.float64)
        return np.array([self(y[p], out[p]) for p in range(out.shape[0])], dtype=np.float64)

    def accumulate(self, state: Any, y: Array, out: Array) -> Any:
        """``state`` plus the batch ``(y, out)``."""
        n = y.shape[0]
        if state is None:
            return [self(y, out) * n, n]
        state[0] += self(y, out) * n
        state[1] += n
        return state

    def result_from(self, state: Any) -> float:
        return float(state[0] / state[1])

    def get_config(self) -> dict[str, Any]:
        """The settings that rebuild this metric (with ``name``); empty when the name alone
        does."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _mean(a: Array, out: Array, dtype: Any = None) -> Value:
    """The mean of one model's values (a float) or, for stacked outputs ``out``
    ``(P, m, K)``, each member's mean over its own block of ``a`` (the losses' own mean)."""
    return mean_value(a, out.ndim >= 3, dtype)


class _Stateful(Metric):
    """A metric computed from additive statistics: ``stats(y, out)`` (an array) and
    ``from_stats(stats)``."""

    stateful = True

    def stats(self, y: Array, out: Array) -> Array:
        raise NotImplementedError

    def from_stats(self, stats: Array) -> float:
        raise NotImplementedError

    def __call__(self, y: Array, out: Array) -> float:
        return self.from_stats(self.stats(y, out))

    def accumulate(self, state: Any, y: Array, out: Array) -> Any:
        batch = self.stats(y, out)
        return batch if state is None else state + batch

    def member_stats(self, y: Array, out: Array) -> Array:
        """Each member's statistics ``(P, S)`` for stacked outputs ``out`` ``(P, m, K)`` and
        per-member targets ``y`` (as :meth:`Metric.member_values` takes them): row ``p`` is
        ``self.stats(y[p], out[p])``, so summing a member's rows over the batches and reading
        them with :meth:`from_stats` gives, bit for bit, what ``fit`` reports for the model
        alone. Member by member: the statistics are a few counts or sums per batch."""
        return np.stack([self.stats(y[p], out[p]) for p in range(out.shape[0])])

    def result_from(self, state: Any) -> float:
        return self.from_stats(state)


#: Keras names an AUC, Precision or Recall made without a name "auc", "auc_1", "auc_2"... in
#: creation order (its other metrics keep their fixed default names); so does glassnet
_auto_names: dict[str, int] = {}


def reset_names() -> None:
    """Start automatic metric names afresh (``keras.backend.clear_session``)."""
    _auto_names.clear()


def _auto_named(metric: Metric, name: str | None) -> None:
    if name is None:
        base = type(metric).name
        n = _auto_names.get(base, 0)
        _auto_names[base] = n + 1
        name = base if n == 0 else f"{base}_{n}"
    set_name(metric, name)


def set_name(metric: Metric, name: str | None) -> None:
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise ArgumentTypeError(f"name: expected a non-empty string, got {name!r}")
        metric.name = name


class BinaryAccuracy(Metric):
    """Share of examples whose thresholded output equals the 0/1 target."""

    name = "accuracy"

    def __init__(self, threshold: float = 0.5, name: str | None = None,
                 dtype: Any = None) -> None:
        self.threshold = check_float(threshold, "threshold")
        set_name(self, name)

    def get_config(self) -> dict[str, Any]:
        return {"threshold": self.threshold} if self.threshold != 0.5 else {}

    member_axis = True

    def __call__(self, y: Array, out: Array) -> Value:
        return _mean((out > self.threshold) == (y > 0.5), out)


class CategoricalAccuracy(Metric):
    """Share of examples whose largest output is the target's largest entry."""

    name = "accuracy"

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        set_name(self, name)

    member_axis = True

    def __call__(self, y: Array, out: Array) -> Value:
        return _mean(out.argmax(axis=-1) == y.argmax(axis=-1), out)


class SparseCategoricalAccuracy(Metric):
    """Share of examples whose largest output is the integer label."""

    name = "accuracy"

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        set_name(self, name)

    member_axis = True

    def __call__(self, y: Array, out: Array) -> Value:
        return _mean(out.argmax(axis=-1) == y, out)


class Accuracy(Metric):
    """``compile(metrics=["accuracy"])`` as Keras resolves it, from the shapes it sees: one
    output column: binary accuracy at threshold 0.5 on the output (on logits too, as Keras
    does); integer labels: sparse categorical accuracy; otherwise categorical accuracy
    (argmax against argmax)."""

    name = "accuracy"

    def __init__(self, name: str | None = None) -> None:
        set_name(self, name)

    member_axis = True

    def __call__(self, y: Array, out: Array) -> Value:
        labels = y.ndim == out.ndim - 1  # integer labels, one per example
        if out.ndim in (2, 3) and out.shape[-1] == 1:
            t = y[..., None] if labels else y
            return _mean((out > 0.5) == (t > 0.5), out)
        if labels:
            return _mean(out.argmax(axis=-1) == y, out)
        return _mean(out.argmax(axis=-1) == y.argmax(axis=-1), out)


class MeanSquaredErrorMetric(Metric):
    """``mean((out - y)^2)`` over examples and outputs."""

    name = "mean_squared_error"

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        set_name(self, name)

    member_axis = True

    def __call__(self, y: Array, out: Array) -> Value:
        return _mean(np.square(out - y, dtype=np.float64), out)


class MeanAbsoluteError(Metric):
    """``mean(|out - y|)`` over examples and outputs."""

    name = "mean_absolute_error"

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        set_name(self, name)

    member_axis = True

    def __call__(self, y: Array, out: Array) -> Value:
        return _mean(np.abs(out - y), out, np.float64)


class RootMeanSquaredError(_Stateful):
    """``sqrt(mean((out - y)^2))`` over every output of every example seen (the square root
    of the epoch's mean, not a mean of batch roots)."""

    name = "root_mean_squared_error"

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        set_name(self, name)

    def stats(self, y: Array, out: Array) -> Array:
        d = np.square(out - y, dtype=np.float64)
        return np.array([d.sum(), d.size], dtype=np.float64)

    def from_stats(self, stats: Array) -> float:
        return float(np.sqrt(stats[0] / stats[1])) if stats[1] else 0.0


class _CrossentropyMetric(Metric):
    """The mean of a cross-entropy loss over the examples, on the model's outputs
    (probabilities, or logits with ``from_logits=True``), as Keras' metric of that name."""

    loss_class: type[Loss] = Loss
    member_axis = True

    def __init__(self, name: str | None = None, dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0.0) -> None:
        if label_smoothing:
            raise OutsideSubsetError("label_smoothing: smoothed targets are outside glassnet's "
                                     "metrics; smooth the targets yourself")
        if not isinstance(from_logits, (bool, np.bool_)):
            raise ArgumentTypeError(f"from_logits: expected True or False, got {from_logits!r}")
        self.from_logits = bool(from_logits)
        self._loss = self.loss_class(from_logits=self.from_logits)
        self.name = self._loss.name
        set_name(self, name)

    def __call__(self, y: Array, out: Array) -> Value:
        # the loss's own functions, for one model's outputs or a stack of members'
        if self.from_logits:
            return self._loss.logits_value_and_grad(y, out, need_grad=False)[0]
        return self._loss.value(y, out)

    def get_config(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits} if self.from_logits else {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, from_logits={self.from_logits})"


class BinaryCrossentropyMetric(_CrossentropyMetric):
    """Keras' ``metrics.BinaryCrossentropy``: targets in [0, 1], one per output."""

    name = "binary_crossentropy"
    loss_class = BinaryCrossentropy


class CategoricalCrossentropyMetric(_CrossentropyMetric):
    """Keras' ``metrics.CategoricalCrossentropy``: one-hot (or probability) targets."""

    name = "categorical_crossentropy"
    loss_class = CategoricalCrossentropy


class SparseCategoricalCrossentropyMetric(_CrossentropyMetric):
    """Keras' ``metrics.SparseCategoricalCrossentropy``: integer labels."""

    name = "sparse_categorical_crossentropy"
    loss_class = SparseCategoricalCrossentropy


def _check_threshold(thresholds: Any) -> float:
    if thresholds is None:
        return 0.5
    if isinstance(thresholds, (list, tuple)):
        if len(thresholds) != 1:
            raise OutsideSubsetError(
                "thresholds: a list of several thresholds (one result per threshold) is "
                "outside glassnet's metrics; use one Precision/Recall per threshold")
        thresholds = thresholds[0]
    return check_float(thresholds, "thresholds", minimum=0.0, maximum=1.0)


class _Confusion(_Stateful):
    """Counts of true positives, false positives and false negatives over every output of
    every example: an output counts as positive where it is above ``thresholds`` (0.5), a
    target where it is not 0 (Keras' rule)."""

    def __init__(self, thresholds: Any = None, top_k: Any = None, class_id: Any = None,
                 name: str | None = None, dtype: Any = None) -> None:
        for arg, value in (("top_k", top_k), ("class_id", class_id)):
            if value is not None:
                raise OutsideSubsetError(
                    f"{arg}: {type(self).__name__}({arg}=...) is outside glassnet's metrics; "
                    f"it counts every output against one threshold")
        self.threshold = _check_threshold(thresholds)
        _auto_named(self, name)

    def stats(self, y: Array, out: Array) -> Array:
        if y.ndim == 1 and out.ndim == 2:  # sparse labels against one output column
            y = y[:, None]
        pred = out > out.dtype.type(self.threshold)
        true = y != 0
        tp = np.count_nonzero(pred & true)
        fp = np.count_nonzero(pred & ~true)
        fn = np.count_nonzero(~pred & true)
        return np.array([tp, fp, fn, pred.size - tp - fp - fn], dtype=np.float64)

    def get_config(self) -> dict[str, Any]:
        return {"thresholds": self.threshold} if self.threshold != 0.5 else {}


class Precision(_Confusion):
    """``tp / (tp + fp)`` (0 when nothing is predicted positive)."""

    name = "precision"

    def from_stats(self, stats: Array) -> float:
        d = stats[0] + stats[1]
        return float(stats[0] / d) if d else 0.0


class Recall(_Confusion):
    """``tp / (tp + fn)`` (0 when no target is positive)."""

    name = "recall"

    def from_stats(self, stats: Array) -> float:
        d = stats[0] + stats[2]
        return float(stats[0] / d) if d else 0.0


class TruePositives(_Confusion):
    """The count of outputs above the threshold whose target is positive."""

    name = "true_positives"

    def from_stats(self, stats: Array) -> float:
        return float(stats[0])


class FalsePositives(_Confusion):
    """The count of outputs above the threshold whose target is 0."""

    name = "false_positives"

    def from_stats(self, stats: Array) -> float:
        return float(stats[1])


class FalseNegatives(_Confusion):
    """The count of outputs at or below the threshold whose target is positive."""

    name = "false_negatives"

    def from_stats(self, stats: Array) -> float:
        return float(stats[2])


class TrueNegatives(_Confusion):
    """The count of outputs at or below the threshold whose target is 0."""

    name = "true_negatives"

    def from_stats(self, stats: Array) -> float:
        return float(stats[3])


class AUC(_Stateful):
    """The area under the ROC (or precision-recall) curve, Keras' way: ``num_thresholds``
    (200) thresholds evenly spread over [0, 1] (the first just below 0, the last just above
    1); each output, clipped to [0, 1], falls in bucket ``max(ceil(p (n - 1)) - 1, 0)``; the
    counts of positives and negatives per bucket, summed from the top, give the true and
    false positives at every threshold; ``summation_method="interpolation"`` sums trapezoids
    (ROC) or Keras' interpolated precision (PR), ``"minoring"``/``"majoring"`` the lower or
    upper rectangles. Every output of every example counts as one prediction
    (``multi_label=False``). ``from_logits=True`` applies a sigmoid first."""

    name = "auc"

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: Any = None, thresholds: Any = None, multi_label: bool = False,
                 num_labels: Any = None, label_weights: Any = None,
                 from_logits: bool = False) -> None:
        if thresholds is not None:
            raise OutsideSubsetError("thresholds: AUC with thresholds of your own is outside "
                                     "glassnet's metrics; use num_thresholds")
        if multi_label or num_labels is not None or label_weights is not None:
            raise OutsideSubsetError("multi_label: AUC per label is outside glassnet's "
                                     "metrics; it pools every output (multi_label=False)")
        n = check_int(num_thresholds, "num_thresholds", minimum=2)
        assert n is not None
        self.num_thresholds = int(n)
        if not isinstance(curve, str) or curve.upper() not in ("ROC", "PR"):
            raise ConfigError(f"curve: expected 'ROC' or 'PR', got {curve!r}")
        self.curve = curve.upper()
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ConfigError("summation_method: expected 'interpolation', 'minoring' or "
                              f"'majoring', got {summation_method!r}")
        self.summation_method = summation_method
        if not isinstance(from_logits, (bool, np.bool_)):
            raise ArgumentTypeError(f"from_logits: expected True or False, got {from_logits!r}")
        self.from_logits = bool(from_logits)
        _auto_named(self, name)

    def stats(self, y: Array, out: Array) -> Array:
        if y.ndim == 1 and out.ndim == 2:
            y = y[:, None]
        p = out.reshape(-1)
        if self.from_logits:
            p = Sigmoid().forward(p.copy())
        p = np.clip(p, 0.0, 1.0)
        n = self.num_thresholds
        bucket = np.ceil(p * p.dtype.type(n - 1)) - 1
        bucket = np.maximum(bucket, 0).astype(np.int64)
        pos = np.broadcast_to(y != 0, out.shape).reshape(-1)
        tp = np.bincount(bucket[pos], minlength=n)
        fp = np.bincount(bucket[~pos], minlength=n)
        return np.concatenate([tp, fp]).astype(np.float64)

    def from_stats(self, stats: Array) -> float:
        n = self.num_thresholds
        tp = np.cumsum(stats[:n][::-1])[::-1]
        fp = np.cumsum(stats[n:][::-1])[::-1]
        fn = tp[0] - tp
        tn = fp[0] - fp

        def ratio(a: Array, b: Array) -> Array:
            return np.divide(a, b, out=np.zeros_like(a), where=b != 0)

        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = tp[:-1] - tp[1:]
            pp = tp + fp
            dp = pp[:-1] - pp[1:]
            slope = ratio(dtp, np.maximum(dp, 0))
            intercept = tp[1:] - slope * pp[1:]
            both = (pp[:-1] > 0) & (pp[1:] > 0)
            p_ratio = np.where(both, ratio(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
            inc = ratio(slope * (dtp + intercept * np.log(p_ratio)),
                        np.maximum(tp[1:] + fn[1:], 0))
            return float(inc.sum())
        recall = ratio(tp, tp + fn)
        if self.curve == "ROC":
            x, yv = ratio(fp, fp + tn), recall
        else:
            x, yv = recall, ratio(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (yv[:-1] + yv[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(yv[:-1], yv[1:])
        else:
            heights = np.maximum(yv[:-1], yv[1:])
        return float(np.sum((x[:-1] - x[1:]) * heights))

    def get_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {}
        if self.num_thresholds != 200:
            cfg["num_thresholds"] = self.num_thresholds
        if self.curve != "ROC":
            cfg["curve"] = self.curve
        if self.summation_method != "interpolation":
            cfg["summation_method"] = self.summation_method
        if self.from_logits:
            cfg["from_logits"] = True
        return cfg


#: metric classes by the Keras names a string may give (the history key is the string as
#: given, as in Keras: metrics=["AUC"] logs "AUC", metrics=["auc"] logs "auc")
_BY_NAME: dict[str, type[Metric]] = {
    "mse": MeanSquaredErrorMetric, "mean_squared_error": MeanSquaredErrorMetric,
    "meansquarederror": MeanSquaredErrorMetric,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "meanabsoluteerror": MeanAbsoluteError,
    "root_mean_squared_error": RootMeanSquaredError,
    "rootmeansquarederror": RootMeanSquaredError,
    "binary_crossentropy": BinaryCrossentropyMetric,
    "binarycrossentropy": BinaryCrossentropyMetric,
    "categorical_crossentropy": CategoricalCrossentropyMetric,
    "categoricalcrossentropy": CategoricalCrossentropyMetric,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropyMetric,
    "sparsecategoricalcrossentropy": SparseCategoricalCrossentropyMetric,
    "precision": Precision, "recall": Recall, "auc": AUC,
    "true_positives": TruePositives, "truepositives": TruePositives,
    "false_positives": FalsePositives, "falsepositives": FalsePositives,
    "true_negatives": TrueNegatives, "truenegatives": TrueNegatives,
    "false_negatives": FalseNegatives, "falsenegatives": FalseNegatives,
    "binary_accuracy": BinaryAccuracy, "binaryaccuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy, "categoricalaccuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "sparsecategoricalaccuracy": SparseCategoricalAccuracy,
}
_NAMES = ("accuracy", "acc", "mse", "mae", "mean_squared_error", "mean_absolute_error",
          "root_mean_squared_error", "binary_crossentropy", "categorical_crossentropy",
          "sparse_categorical_crossentropy", "precision", "recall", "auc", "binary_accuracy",
          "categorical_accuracy", "sparse_categorical_accuracy", "true_positives",
          "false_positives", "true_negatives", "false_negatives")

#: metric classes registered with :func:`glassnet.register`, by their ``name``
_registered: dict[str, type[Metric]] = {}


def register(cls: type[Metric]) -> None:
    """Register a user's metric class (looked up by its ``name``, built with no arguments),
    so a model compiled with it saves and loads."""
    key = str(cls.name).strip().lower()
    if key in _NAMES or key in _BY_NAME or (key in _registered and _registered[key] is not cls):
        raise ConfigError(f"name: the metric name {cls.name!r} is already taken")
    _registered[key] = cls


def to_config(metric: Metric) -> Any:
    """What a model file keeps of ``metric``: its name, or ``{"class", "name", "config"}``
    when its settings are not the defaults its name gives."""
    config = metric.get_config()
    key = metric.name.strip().lower()
    if not config and (type(metric).__name__ not in _CLASSES or key in _BY_NAME
                       or key.replace("_", "") in _BY_NAME):
        return metric.name
    return {"class": type(metric).__name__, "name": metric.name, "config": config}


_CLASSES: dict[str, type[Metric]] = {cls.__name__: cls for cls in (
    BinaryAccuracy, MeanSquaredErrorMetric, MeanAbsoluteError, RootMeanSquaredError,
    BinaryCrossentropyMetric, CategoricalCrossentropyMetric,
    SparseCategoricalCrossentropyMetric, Precision, Recall, AUC, TruePositives,
    FalsePositives, TrueNegatives, FalseNegatives)}


def _from_dict(identifier: dict[str, Any]) -> Metric:
    cls = _CLASSES.get(str(identifier.get("class")))
    config = identifier.get("config")
    name = identifier.get("name")
    if cls is None or not isinstance(config, dict) or not isinstance(name, str):
        raise ConfigError(f"metrics: expected a metric config {{'class', 'name', 'config'}} of "
                          f"one of {', '.join(sorted(_CLASSES))}, got {identifier!r:.200}")
    try:
        return cls(name=name, **config)  # type: ignore[call-arg]
    except TypeError as exc:
        raise ConfigError(f"metrics: bad parameters for {cls.__name__}: {exc}") from exc


def compile_metric(identifier: Any, loss: Loss) -> Metric:
    """A metric as ``compile(metrics=[...])`` resolves it: Keras' rule for ``"accuracy"``
    (:class:`Accuracy`: by the output's shape, threshold 0.5 even on logits, so with a
    ``from_logits`` binary cross-entropy a logit of 0.3 counts as class 0, as in Keras; for
    accuracy on logits compile with ``BinaryAccuracy(threshold=0.0)``), else :func:`get`."""
    if isinstance(identifier, str) and identifier.strip().lower() in ("accuracy", "acc"):
        return Accuracy(identifier.strip())
    return get(identifier, loss)


def get(identifier: Any, loss: Loss) -> Metric:
    """Resolve a metric for ``loss``; ``"accuracy"`` picks the variant that fits the loss.
    A Keras name (``"auc"``, ``"Precision"``, ``"mean_squared_error"``...) gives that metric,
    named as written."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return _from_dict(identifier)
    if not isinstance(identifier, str):
        raise ArgumentTypeError(
            f"metrics: expected metric names (str) or Metric instances, got {identifier!r}"
        )
    key = identifier.strip().lower()
    if key in ("accuracy", "acc"):
        if isinstance(loss, BinaryCrossentropy):
            return BinaryAccuracy(0.0 if loss.from_logits else 0.5)
        if isinstance(loss, SparseCategoricalCrossentropy):
            return SparseCategoricalAccuracy()
        if isinstance(loss, CategoricalCrossentropy):
            return CategoricalAccuracy()
        return BinaryAccuracy(0.5)
    if key.replace("_", "") in _BY_NAME or key in _BY_NAME:
        cls = _BY_NAME.get(key) or _BY_NAME[key.replace("_", "")]
        return cls(name=identifier.strip())  # type: ignore[call-arg]
    if key in _registered:
        return _registered[key]()
    raise ConfigError(
        f"metrics: unknown metric {identifier!r}; expected one of {', '.join(names())}"
    )


def names() -> list[str]:
    return list(_NAMES) + sorted(_registered)
