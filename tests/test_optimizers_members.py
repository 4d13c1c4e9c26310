"""One optimizer arithmetic for a model and for a population: ``update_arrays`` on arrays with
a leading member axis gives every member, bit for bit, the step the engine takes alone."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers as opt_mod

OPTIMIZERS = {
    "sgd": lambda lr: gn.optimizers.SGD(lr),
    "momentum": lambda lr: gn.optimizers.SGD(lr, momentum=0.9),
    "nesterov": lambda lr: gn.optimizers.SGD(lr, momentum=0.8, nesterov=True),
    "rmsprop": lambda lr: gn.optimizers.RMSprop(lr, rho=0.85),
    "adam": lambda lr: gn.optimizers.Adam(lr, beta_1=0.8, beta_2=0.99),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [(7, 5), (128, 100)], ids=["ufunc", "blas"])
def test_stacked_members_step_bit_for_bit_as_alone(name: str, dtype: str,
                                                   size: tuple[int, int]) -> None:
    rng = np.random.default_rng(0)
    lrs = np.array([0.01, 0.003, 0.05])
    K = len(lrs)
    start = rng.standard_normal((K,) + size).astype(dtype)
    grads = [rng.standard_normal((K,) + size).astype(dtype) for _ in range(4)]
    # alone: each member's own optimizer, through the engine's apply
    alone = []
    for k in range(K):
        opt = OPTIMIZERS[name](float(lrs[k]))
        p = start[k].copy()
        for g in grads:
            opt.apply([p], [g[k].copy()])
        alone.append(p)
    # stacked: one optimizer, the member axis leading, one rate per member
    opt = OPTIMIZERS[name](0.5)
    axpy = opt_mod.axpy_each_member if size[0] * size[1] >= opt_mod.AXPY_MIN_SIZE \
        else opt_mod.axpy_members
    P = start.copy()
    slots = [np.zeros_like(P) for _ in opt.slot_names()]
    tmp = np.empty_like(P)
    for t, g in enumerate(grads, start=1):
        opt.update_arrays(P, g.copy(), tmp, opt.step_size(lrs, t), axpy, *slots)
    for k in range(K):
        np.testing.assert_array_equal(P[k], alone[k])
    assert not np.array_equal(P[0], start[0])  # the steps did move the parameters


@pytest.mark.parametrize("axpy", [opt_mod.axpy_members, opt_mod.axpy_each_member])
def test_member_axpy_takes_one_rate_per_member(axpy: Any) -> None:
    p = np.ones((2, 3, 4))
    x = np.full((2, 3, 4), 2.0)
    axpy(p, np.array([0.5, -1.0]), x, np.empty_like(p))
    np.testing.assert_array_equal(p[0], 2.0)
    np.testing.assert_array_equal(p[1], -1.0)
    axpy(p, 1.0, x, np.empty_like(p))
    np.testing.assert_array_equal(p[1], 1.0)


def test_slots_are_the_live_state() -> None:
    opt = gn.optimizers.Adam(0.01)
    assert opt.slots() == {}
    p = [np.zeros(3)]
    opt.apply(p, [np.ones(3)])
    live = opt.slots()
    assert sorted(live) == opt.slot_names() == ["m", "v"]
    live["m"][0][...] = 0.0  # writing into a slot changes the optimizer's state
    np.testing.assert_array_equal(opt.get_state()["slots"]["m"][0], 0.0)
