"""Optimizers: they see only (parameter, gradient) pairs and keep state per parameter.

``optimizer.apply(params, grads)`` updates every array in ``params`` in place. With
``t`` the step count (from 1), ``g`` a gradient and ``eta`` the learning rate::

    SGD:       v = momentum v - eta g;   p += v                    (momentum = 0: p -= eta g)
               nesterov:  p += momentum v - eta g
    RMSprop:   s = rho s + (1 - rho) g^2;   p -= eta g / (sqrt(s) + eps)
    Adam:      m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
               p -= eta_t m / (sqrt(v) + eps),   eta_t = eta sqrt(1 - b2^t) / (1 - b1^t)

These are the update rules of Keras (Adam's bias correction folded into the step size).

Speed: the steps ``p += alpha x`` on large arrays go through BLAS ``axpy`` in NumPy's own
OpenBLAS (:mod:`glassnet._blas`): one pass over ``p`` and ``x``, spread over the same thread
pool as NumPy's matrix products, where ``np.multiply`` into a scratch array and
``p -= scratch`` are two single-threaded passes. Where NumPy's BLAS is not found (another
NumPy build), the same updates run as NumPy ufuncs.

The optimizer owns every update, including the fastest one: plain SGD (no momentum) is linear
in the gradient, so it accepts *deferred products* (``takes_products``): a dense layer's
``grad_W = x.T @ grad_z`` left uncomputed (:class:`glassnet.layers.DeferredProduct`), and the
step ``W += -eta x.T @ grad_z`` taken as one BLAS ``gemm`` accumulating into ``W``
(:func:`glassnet._blas.gemm_at_b_acc`), with no gradient array written and read back.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _blas, schedules
from ._registry import Registry
from .checks import check_float
from .errors import ArgumentTypeError, ConfigError, DataError, NotReadyError, ShapeError
from .schedules import LearningRateSchedule

Array = NDArray[Any]

__all__ = ["SGD", "Adam", "LearningRate", "Optimizer", "RMSprop", "get", "names"]


def _positive(name: str, value: float) -> float:
    return check_float(value, name, minimum=0.0, include_minimum=False)


def _fraction(name: str, value: float) -> float:
    return check_float(value, name, minimum=0.0, maximum=1.0, include_maximum=False)


#: Weight matrices smaller than this take plain SGD's step as NumPy ufuncs after an ordinary
#: gradient product: for them the ctypes call of the fused product costs more than the pass
#: over ``grad_W`` it saves (a 64-25-15-10 net, batch 32: 87 vs 67 us per step).
FUSED_SGD_MIN_SIZE = 8192


# -- p += alpha x through NumPy's own BLAS -------------------------------------------------------
AXPY_MIN_SIZE = 8192  # below this, two ufunc passes cost no more than the ctypes call


def axpy(p: Array, alpha: float, x: Array, scratch: Array) -> None:
    """``p += alpha x`` in place: BLAS ``axpy`` for large contiguous float arrays of one
    dtype, otherwise ``scratch = alpha x; p += scratch`` with NumPy ufuncs (``scratch`` may
    be ``x`` itself, which is then overwritten)."""
    if p.size >= AXPY_MIN_SIZE and _blas.axpy(p, alpha, x):
        return
    if alpha == 1.0:
        p += x
        return
    np.multiply(x, p.dtype.type(alpha), out=scratch)
    p += scratch


def axpy_members(p: Array, alpha: Any, x: Array, scratch: Array) -> None:
    """``p += alpha x`` over arrays with a leading member axis ``(K, ...)``, ``alpha`` a number
    or one per member (``(K,)``), as NumPy ufuncs: for each member the arithmetic of
    :func:`axpy`'s ufunc path (small arrays, where the engine takes that path too)."""
    if not isinstance(alpha, np.ndarray) or alpha.ndim == 0:  # one number for all
        if alpha == 1.0:
            p += x
            return
        np.multiply(x, p.dtype.type(alpha), out=scratch)
    else:
        alpha = np.asarray(alpha).astype(p.dtype)
        np.multiply(x, alpha.reshape(alpha.shape + (1,) * (p.ndim - 1)), out=scratch)
    p += scratch


def axpy_each_member(p: Array, alpha: Any, x: Array, scratch: Array) -> None:
    """``p += alpha x`` over arrays with a leading member axis, member by member through
    :func:`axpy` (BLAS ``axpy`` where the member's array is large): exactly the engine's step
    for an array of that size."""
    per_member = np.ndim(alpha) != 0
    for k in range(p.shape[0]):
        axpy(p[k], float(alpha[k] if per_member else alpha), x[k], scratch[k])


class LearningRate(float):
    """An optimizer's learning rate: a plain number (``float``) that also answers
    ``.numpy()`` (a NumPy float32, as a Keras optimizer's ``learning_rate.numpy()`` does)."""

    def numpy(self) -> np.float32:
        return np.float32(self)

    def __repr__(self) -> str:
        return float.__repr__(self)


def _legacy_lr(learning_rate: float, lr: float | None, default: float) -> float:
    """``lr=`` is the old Keras spelling of ``learning_rate=``: accepted, with a warning."""
    if lr is None:
        return learning_rate
    if learning_rate != default:
        raise ConfigError(f"lr: give learning_rate or its old name lr, not both (got "
                          f"learning_rate={learning_rate!r}, lr={lr!r})")
    warnings.warn("lr is the old name of learning_rate; use learning_rate=", DeprecationWarning,
                  stacklevel=3)
    return lr


def new_learning_rate(value: Any, schedule: LearningRateSchedule | None) -> LearningRate:
    """``value`` checked as the new learning rate of an optimizer that follows ``schedule``
    (None: a fixed rate): the rule of :attr:`Optimizer.learning_rate`'s setter, which a
    population member's optimizer view (:class:`glassnet.population.MemberView`) follows too.
    A scheduled rate is not settable (as in Keras), a schedule is not assigned afterwards, and
    a number must be positive and finite."""
    if schedule is not None:
        raise ArgumentTypeError(
            f"learning_rate: this optimizer follows {type(schedule).__name__}, so its "
            "learning rate is not settable (as in Keras); give the optimizer a number "
            "instead of a schedule to change it by hand or by callback")
    if isinstance(value, (LearningRateSchedule, dict)):
        raise ArgumentTypeError(
            "learning_rate: a schedule is given when the optimizer is made "
            "(Adam(learning_rate=schedule)), not assigned afterwards")
    return LearningRate(_positive("learning_rate", value))


class Optimizer:
    """Base class. Subclasses implement ``_update(i, p, g)`` for parameter number ``i``."""

    name = "optimizer"

    def __init__(self, learning_rate: Any = 0.01) -> None:
        #: the learning-rate schedule this optimizer follows, or None (a fixed rate)
        self.schedule: LearningRateSchedule | None = None
        self.iterations = 0
        if isinstance(learning_rate, (LearningRateSchedule, dict)):
            self.schedule = schedules.get(learning_rate)
            self._learning_rate = LearningRate(self.schedule(0))
        else:
            self.learning_rate = learning_rate
        self._shapes: list[tuple[int, ...]] | None = None
        self._checked: list[Array] | None = None  # the params list last checked against _shapes

    @property
    def learning_rate(self) -> LearningRate:
        """The step size: a number, with ``.numpy()``; assign a new number to change it.
        With a schedule, the rate of the next step (``schedule(iterations)``), as Keras
        reads it."""
        if self.schedule is not None:
            return LearningRate(self.schedule(self.iterations))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = new_learning_rate(value, getattr(self, "schedule", None))

    def __getstate__(self) -> dict[str, Any]:
        """Without the reference to the parameter list last checked (a copy of it after
        unpickling would be checked again anyway)."""
        state = self.__dict__.copy()
        state["_checked"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A loader may hand read-only arrays (joblib's ``mmap_mode="r"``): the state the
        steps update in place becomes the optimizer's own copies."""
        for name, value in state.items():
            if isinstance(value, list) and any(
                    isinstance(a, np.ndarray) and not a.flags.writeable for a in value):
                state[name] = [np.array(a) if isinstance(a, np.ndarray)
                               and not a.flags.writeable else a for a in value]
        self.__dict__.update(state)

    @property
    def lr(self) -> LearningRate:
        """The old Keras name of :attr:`learning_rate`."""
        return self.learning_rate

    @lr.setter
    def lr(self, value: float) -> None:
        self.learning_rate = value

    def build(self, params: list[Array]) -> None:
        """Create per-parameter state for ``params`` (called on the first ``apply``)."""
        self._shapes = [p.shape for p in params]

    def reset(self) -> None:
        """Forget all state (momenta, step count)."""
        self.iterations = 0
        self._shapes = None
        self._checked = None

    # -- state: what a checkpoint needs to continue exactly -----------------------------------
    def _slots(self) -> dict[str, list[Array]]:
        """The live per-parameter state arrays by name (``{"m": [...], "v": [...]}``)."""
        return {}

    def slot_names(self) -> list[str]:
        """Names of this optimizer's per-parameter state arrays (fixed by its settings)."""
        return []

    def slots(self) -> dict[str, list[Array]]:
        """The live per-parameter state arrays by name (not copies: writing into them changes
        the optimizer's state); empty while the optimizer is not built."""
        return self._slots() if self.built else {}

    # -- the arithmetic of one step, written once -----------------------------------------------
    def step_size(self, learning_rate: Any, t: int) -> Any:
        """The step size of step ``t`` (from 1) for ``learning_rate``: a number, or an array
        of per-member rates (a population); Adam folds its bias correction in here."""
        return learning_rate

    def update_arrays(self, p: Array, g: Array, tmp: Array, lr: Any, axpy: Any,
                      *slots: Array) -> None:
        """One step on the arrays ``p`` (in place) from gradient ``g``: ``tmp`` a scratch
        array of ``p``'s shape, ``lr`` the step size (:meth:`step_size`), ``slots`` this
        parameter's state arrays in :meth:`slot_names` order, ``axpy(p, alpha, x, scratch)``
        the routine for ``p += alpha x``. The arrays may carry a leading member axis (a
        population): ``lr`` is then an array with one rate per member and ``axpy`` broadcasts
        it; every other operation is elementwise, so each member gets the very same
        arithmetic as a single model."""
        raise NotImplementedError

    @property
    def built(self) -> bool:
        """True once the per-parameter state exists (after the first step or ``build``)."""
        return self._shapes is not None

    def get_state(self) -> dict[str, Any]:
        """Copies of everything a step depends on besides the settings:
        ``{"iterations": t, "slots": {name: [array per parameter]}}`` (``slots`` empty while
        the optimizer is not built)."""
        slots = ({name: [a.copy() for a in arrays] for name, arrays in self._slots().items()}
                 if self.built else {})
        return {"iterations": int(self.iterations), "slots": slots}

    def set_state(self, state: dict[str, Any], params: list[Array] | None = None) -> None:
        """Put back what :meth:`get_state` gave. An optimizer not built yet is built for
        ``params`` first. Everything is checked (names, counts, shapes, dtypes, finite
        values, a step count >= 0) before anything is written."""
        if not isinstance(state, dict) or set(state) != {"iterations", "slots"}:
            raise ArgumentTypeError(
                f"state: expected a dict with 'iterations' and 'slots', got {state!r:.100}")
        t = state["iterations"]
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
            raise ArgumentTypeError(f"state['iterations']: expected an int >= 0, got {t!r}")
        slots = state["slots"]
        if not isinstance(slots, dict):
            raise ArgumentTypeError(f"state['slots']: expected a dict, got {slots!r:.100}")
        if not slots:
            if self.built and self._slots():
                raise ShapeError(f"state['slots']: empty, but this {self.name} keeps "
                                 f"{', '.join(self._slots())}")
            self.iterations = int(t)
            return
        if self._shapes is None:
            if params is None:
                raise NotReadyError(f"{self.name}: not built yet; pass the parameters it "
                                    "updates (model.trainable_weights)")
            shapes = [p.shape for p in params]
            dtypes = [p.dtype for p in params]
        else:
            shapes = list(self._shapes)
            live = self._slots()
            dtypes = [a.dtype for a in next(iter(live.values()))] if live else []
        expected = self.slot_names()
        if sorted(slots) != sorted(expected):
            raise ShapeError(f"state['slots']: expected {expected} for this {self.name}, got "
                             f"{sorted(map(str, slots))[:10]}")
        for name, arrays in slots.items():
            if not isinstance(arrays, (list, tuple)) or len(arrays) != len(shapes):
                raise ShapeError(f"state['slots'][{name!r}]: expected {len(shapes)} arrays")
            for i, (a, shape) in enumerate(zip(arrays, shapes)):
                if not isinstance(a, np.ndarray) or a.shape != shape:
                    raise ShapeError(f"state['slots'][{name!r}][{i}]: expected shape {shape}, "
                                     f"got {getattr(a, 'shape', type(a).__name__)}")
                if dtypes and a.dtype != dtypes[i]:
                    raise ShapeError(f"state['slots'][{name!r}][{i}]: expected dtype "
                                     f"{dtypes[i]}, got {a.dtype}")
                if not np.isfinite(a).all():
                    raise DataError(f"state['slots'][{name!r}][{i}]: NaN or infinite values")
        if self._shapes is None and params is not None:
            self.build(params)
        live = self._slots()
        for name, arrays in slots.items():
            for target, a in zip(live[name], arrays):
                np.copyto(target, a)
        self.iterations = int(t)

    #: True when the step is linear in the gradient and can be folded into a deferred
    #: product (plain SGD); the model then passes ``products`` to :meth:`apply`
    takes_products = False

    def apply(self, params: list[Array], grads: list[Array],
              products: list[Any] | None = None) -> None:
        """One step: update each ``params[i]`` in place from ``grads[i]``.

        ``products[i]``, where given and not None, is a deferred gradient
        (:class:`glassnet.layers.DeferredProduct`) standing for ``grads[i]``: the optimizer
        either folds its step into it or computes it first."""
        if self._shapes is None:
            self.build(params)
        elif params is not self._checked and (len(params) != len(self._shapes) or any(
            p.shape != s for p, s in zip(params, self._shapes)
        )):
            raise ShapeError(
                "params: this optimizer was built for parameters of shapes "
                f"{self._shapes}, got {[p.shape for p in params]}; call reset() first"
            )
        # The model passes the same cached list every step: check its shapes only once.
        self._checked = params
        if self.schedule is not None:  # the rate of this step: schedule(steps taken so far)
            self._learning_rate = LearningRate(self.schedule(self.iterations))
        self.iterations += 1
        self._prepare_step()
        if products is None:
            self._update_all(params, grads)
            return
        for i, (p, g) in enumerate(zip(params, grads)):
            product = products[i]
            if product is not None:
                if self._update_from_product(i, p, product):
                    continue
                product.value()  # computes grads[i]
            self._update(i, p, g)

    def _update_all(self, params: list[Array], grads: list[Array]) -> None:
        """Every parameter's step (no deferred products)."""
        for i, (p, g) in enumerate(zip(params, grads)):
            self._update(i, p, g)

    def _update_from_product(self, i: int, p: Array, product: Any) -> bool:
        """Take the step of ``params[i]`` straight from a deferred gradient ``product``
        (``grad = product.left.T @ product.right``); False to have it computed instead."""
        return False

    def folds_product(self, p: Array) -> bool:
        """Would this optimizer fold its step for parameter ``p`` into a deferred product?
        (The model asks layers to defer only then.)"""
        return False

    def _prepare_step(self) -> None:
        pass

    def _update(self, i: int, p: Array, g: Array) -> None:
        raise NotImplementedError

    def _lr_config(self) -> Any:
        """The learning rate as a config keeps it: a number, or the schedule's config."""
        if self.schedule is not None:
            return self.schedule.to_config()
        return float(self._learning_rate)

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self._lr_config()}

    def to_config(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.get_config()}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"


REGISTRY: Registry[Optimizer] = Registry("optimizer", Optimizer)


@REGISTRY.register("sgd")
class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum."""

    name = "sgd"

    def __init__(
        self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False,
        lr: float | None = None,
    ) -> None:
        super().__init__(_legacy_lr(learning_rate, lr, 0.01))
        self.momentum = _fraction("momentum", momentum)
        self.nesterov = bool(nesterov)
        self._velocity: list[Array] = []

    @property
    def takes_products(self) -> bool:  # type: ignore[override]
        return not self.momentum

    def folds_product(self, p: Array) -> bool:
        return (not self.momentum and p.size >= FUSED_SGD_MIN_SIZE
                and _blas.available(p.dtype))

    def _update_from_product(self, i: int, p: Array, product: Any) -> bool:
        """Plain SGD on a large weight matrix: ``W += -eta left.T @ right`` as one BLAS
        ``gemm`` accumulating into ``W`` (the gradient stays deferred for any reader)."""
        return self.folds_product(p) and _blas.gemm_at_b_acc(
            product.left, product.right, p, -self._learning_rate)

    def build(self, params: list[Array]) -> None:
        super().build(params)
        self._velocity = [np.zeros_like(p) for p in params] if self.momentum else []
        self._scratch = [np.empty_like(p) for p in params]

    def slot_names(self) -> list[str]:
        return ["velocity"] if self.momentum else []

    def _slots(self) -> dict[str, list[Array]]:
        return {"velocity": self._velocity} if self.momentum else {}

    def _update_all(self, params: list[Array], grads: list[Array]) -> None:
        if self.momentum:
            lr, update = self._learning_rate, self.update_arrays
            for p, g, tmp, v in zip(params, grads, self._scratch, self._velocity):
                update(p, g, tmp, lr, axpy, v)
            return
        # Plain SGD, p -= eta g, written out: this loop runs once per step for every
        # parameter, and on small networks its call overhead is a visible share of a step.
        step = -float(self._learning_rate)
        for p, g, tmp in zip(params, grads, self._scratch):
            if p.size >= AXPY_MIN_SIZE and _blas.axpy(p, step, g):
                continue
            np.multiply(g, p.dtype.type(step), out=tmp)
            p += tmp

    def _update(self, i: int, p: Array, g: Array) -> None:
        if not self.momentum:
            axpy(p, -self._learning_rate, g, self._scratch[i])  # p -= eta g
            return
        self.update_arrays(p, g, self._scratch[i], self._learning_rate, axpy,
                           self._velocity[i])

    def update_arrays(self, p: Array, g: Array, tmp: Array, lr: Any, axpy: Any,
                      *slots: Array) -> None:
        if not self.momentum:
            axpy(p, -lr, g, tmp)  # p -= eta g
            return
        (v,) = slots
        v *= p.dtype.type(self.momentum)
        axpy(v, -lr, g, tmp)  # v = momentum v - eta g
        if self.nesterov:
            axpy(p, -lr, g, tmp)  # p += momentum v - eta g
            axpy(p, self.momentum, v, tmp)
        else:
            axpy(p, 1.0, v, tmp)  # p += v

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self._lr_config(), "momentum": self.momentum,
                "nesterov": self.nesterov}


@REGISTRY.register("rmsprop")
class RMSprop(Optimizer):
    """Divide each step by a running root-mean-square of recent gradients."""

    name = "rmsprop"

    def __init__(
        self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-7,
        lr: float | None = None,
    ) -> None:
        super().__init__(_legacy_lr(learning_rate, lr, 0.001))
        self.rho = _fraction("rho", rho)
        self.epsilon = _positive("epsilon", epsilon)
        self._s: list[Array] = []

    def build(self, params: list[Array]) -> None:
        super().build(params)
        self._s = [np.zeros_like(p) for p in params]
        self._scratch = [np.empty_like(p) for p in params]

    def slot_names(self) -> list[str]:
        return ["mean_square"]

    def _slots(self) -> dict[str, list[Array]]:
        return {"mean_square": self._s}

    def _update(self, i: int, p: Array, g: Array) -> None:
        self.update_arrays(p, g, self._scratch[i], self._learning_rate, axpy, self._s[i])

    def _update_all(self, params: list[Array], grads: list[Array]) -> None:
        lr, update = self._learning_rate, self.update_arrays
        for p, g, tmp, s in zip(params, grads, self._scratch, self._s):
            update(p, g, tmp, lr, axpy, s)

    def update_arrays(self, p: Array, g: Array, tmp: Array, lr: Any, axpy: Any,
                      *slots: Array) -> None:
        (s,) = slots
        t = p.dtype.type
        s *= t(self.rho)
        np.multiply(g, g, out=tmp)
        axpy(s, 1.0 - self.rho, tmp, tmp)  # s = rho s + (1 - rho) g^2
        np.sqrt(s, out=tmp)
        tmp += t(self.epsilon)
        np.divide(g, tmp, out=tmp)
        axpy(p, -lr, tmp, tmp)  # p -= eta g / (sqrt(s) + eps)

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self._lr_config(), "rho": self.rho,
                "epsilon": self.epsilon}


@REGISTRY.register("adam")
class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba 2015)."""

    name = "adam"

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        lr: float | None = None,
    ) -> None:
        super().__init__(_legacy_lr(learning_rate, lr, 0.001))
        self.beta_1 = _fraction("beta_1", beta_1)
        self.beta_2 = _fraction("beta_2", beta_2)
        self.epsilon = _positive("epsilon", epsilon)
        self._m: list[Array] = []
        self._v: list[Array] = []
        self._lr_t = 0.0

    def build(self, params: list[Array]) -> None:
        super().build(params)
        self._m = [np.zeros_like(p) for p in params]
        self._v = [np.zeros_like(p) for p in params]
        self._scratch = [np.empty_like(p) for p in params]

    def slot_names(self) -> list[str]:
        return ["m", "v"]

    def _slots(self) -> dict[str, list[Array]]:
        return {"m": self._m, "v": self._v}

    def _prepare_step(self) -> None:
        self._lr_t = self.step_size(self._learning_rate, self.iterations)

    def step_size(self, learning_rate: Any, t: int) -> Any:
        return learning_rate * math.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)

    def _update(self, i: int, p: Array, g: Array) -> None:
        self.update_arrays(p, g, self._scratch[i], self._lr_t, axpy, self._m[i], self._v[i])

    def _update_all(self, params: list[Array], grads: list[Array]) -> None:
        lr, update = self._lr_t, self.update_arrays
        for p, g, tmp, m, v in zip(params, grads, self._scratch, self._m, self._v):
            update(p, g, tmp, lr, axpy, m, v)

    def update_arrays(self, p: Array, g: Array, tmp: Array, lr: Any, axpy: Any,
                      *slots: Array) -> None:
        m, v = slots
        t = p.dtype.type
        m *= t(self.beta_1)
        axpy(m, 1.0 - self.beta_1, g, tmp)  # m = b1 m + (1 - b1) g
        v *= t(self.beta_2)
        np.multiply(g, g, out=tmp)
        axpy(v, 1.0 - self.beta_2, tmp, tmp)  # v = b2 v + (1 - b2) g^2
        np.sqrt(v, out=tmp)
        tmp += t(self.epsilon)
        np.divide(m, tmp, out=tmp)
        axpy(p, -lr, tmp, tmp)  # p -= eta_t m / (sqrt(v) + eps)

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self._lr_config(), "beta_1": self.beta_1,
                "beta_2": self.beta_2, "epsilon": self.epsilon}


def get(identifier: Any) -> Optimizer:
    """Resolve an optimizer name (``"adam"``), instance, or config dict."""
    return REGISTRY.get(identifier, argument="optimizer")


def names() -> list[str]:
    """The optimizer names glassnet accepts."""
    return REGISTRY.names()
