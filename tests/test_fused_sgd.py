"""Plain SGD folded into the gradient's product (``W += -eta x.T @ grad_z`` as one BLAS
gemm), and the BLAS routines it uses: same weights and gradients as the unfused step.

The layer only leaves ``grad_W`` as a deferred product; the optimizer takes the step."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import _blas
from glassnet import optimizers as optimizers_module
from glassnet.inspect import NeuronRecorder
from glassnet.optimizers import SGD

DTYPES = [(np.float64, 1e-12), (np.float32, 2e-5)]


class UnfusedSGD(SGD):
    """The same update, always through ``apply`` (gradient arrays, then axpy)."""

    takes_products = False


def _pending(layer: gn.layers.Layer) -> bool:
    """True when the layer's weight gradient is still an uncomputed product."""
    return any(not product.done for _, product in layer.deferred)


def _model(dtype: type, seed: int = 5, opt: SGD | None = None) -> gn.Sequential:
    model = gn.Sequential([gn.layers.Input((12,)), gn.layers.Dense(16, activation="relu"),
                           gn.layers.Dense(8, activation="tanh"),
                           gn.layers.Dense(3, activation="softmax")],
                          seed=seed, dtype=np.dtype(dtype).name)
    model.compile(optimizer=opt or SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    return model


@pytest.fixture(autouse=True)
def fuse_small_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test nets are small: let every layer take the fused path."""
    monkeypatch.setattr(optimizers_module, "FUSED_SGD_MIN_SIZE", 0)


@pytest.fixture
def data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(96, 12))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    return X, y


# -- the BLAS routines ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype,rtol", DTYPES)
def test_gemm_accumulates_a_transposed_product(dtype, rtol, rng) -> None:  # type: ignore[no-untyped-def]
    wide = rng.normal(size=(20, 9)).astype(dtype)
    a = wide[:, 2:7]  # rows with a stride wider than the row: BLAS lda
    b = rng.normal(size=(20, 4)).astype(dtype)
    c = rng.normal(size=(5, 4)).astype(dtype)
    expected = c.astype(np.float64) - 0.3 * (a.astype(np.float64).T @ b)
    assert _blas.gemm_at_b_acc(a, b, c, -0.3)
    np.testing.assert_allclose(c, expected, rtol=rtol, atol=rtol)


def test_gemm_refuses_what_blas_cannot_take(rng: np.random.Generator) -> None:
    a = rng.normal(size=(6, 3))
    b = rng.normal(size=(6, 2))
    c = np.zeros((3, 2))
    before = c.copy()
    assert not _blas.gemm_at_b_acc(a, b, np.asfortranarray(np.zeros((3, 2))), 1.0)
    assert not _blas.gemm_at_b_acc(a.astype(np.float32), b, c, 1.0)  # mixed dtypes
    assert not _blas.gemm_at_b_acc(a, b[:5], c, 1.0)  # k differs
    assert not _blas.gemm_at_b_acc(a, b, np.zeros((2, 2)), 1.0)  # m differs
    assert not _blas.gemm_at_b_acc(np.asfortranarray(a), b, c, 1.0)  # columns not contiguous
    assert not _blas.gemm_at_b_acc(a.astype(np.int64), b.astype(np.int64),
                                   c.astype(np.int64), 1.0)
    np.testing.assert_array_equal(c, before)


def test_axpy_refuses_non_contiguous(rng: np.random.Generator) -> None:
    p = rng.normal(size=(8, 8))
    x = rng.normal(size=(8, 8))
    before = p.copy()
    assert not _blas.axpy(p[:, ::2], 1.0, x[:, ::2])
    assert not _blas.axpy(p, 1.0, x[:4])
    np.testing.assert_array_equal(p, before)
    assert _blas.axpy(p, 2.0, x)
    np.testing.assert_allclose(p, before + 2.0 * x)


# -- the fused step -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype,rtol", DTYPES)
def test_fused_fit_matches_the_unfused_step(data, dtype, rtol) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    fused, plain = _model(dtype), _model(dtype, opt=UnfusedSGD(learning_rate=0.1))
    h1 = fused.fit(X, y, epochs=3, batch_size=16, seed=1, verbose=0)
    h2 = plain.fit(X, y, epochs=3, batch_size=16, seed=1, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=rtol)
    for a, b in zip(fused.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)
    # the last step's gradients are there, as the unfused step left them
    for la, lb in zip(fused.layers, plain.layers):
        for ga, gb in zip(la.grads, lb.grads):
            np.testing.assert_allclose(ga, gb, rtol=100 * rtol, atol=100 * rtol)
    assert fused.optimizer.iterations == plain.optimizer.iterations == 3 * 6


@pytest.mark.parametrize("dtype,rtol", DTYPES)
def test_train_step_is_one_sgd_step_with_readable_gradients(data, dtype, rtol) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    model = _model(dtype)
    x = model.check_X(X[:32])
    t = model.prepare_targets(y[:32], 32)
    w0 = model.get_weights()
    grads = model.gradients(X[:32], y[:32])  # at w0, nothing changed
    model.train_step(x, t)
    dense = model.layers
    # float32 on NumPy's OpenBLAS takes the fused path: W's gradient is computed on reading
    if _blas.available(dtype):
        assert all(_pending(layer) for layer in dense)
    for w, g, w_new in zip(w0, grads, model.get_weights()):
        np.testing.assert_allclose(w_new, w - 0.1 * g, rtol=rtol, atol=rtol)
    got = [g for layer in dense for g in layer.grads]
    for g, g_read in zip(grads, got):
        np.testing.assert_allclose(g_read, g, rtol=10 * rtol, atol=10 * rtol)
    assert not any(_pending(layer) for layer in dense)


def test_numpy_fallback_gives_the_same_step(data, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    fused = _model(np.float64)
    fused.fit(X, y, epochs=2, batch_size=32, seed=4, verbose=0)
    monkeypatch.setattr(_blas, "gemm_at_b_acc", lambda *args: False)
    fallback = _model(np.float64)
    fallback.fit(X, y, epochs=2, batch_size=32, seed=4, verbose=0)
    assert not any(_pending(layer) for layer in fallback.layers)
    for a, b in zip(fused.get_weights(), fallback.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_momentum_and_other_optimizers_do_not_fuse() -> None:
    assert SGD(0.1).takes_products
    assert not SGD(0.1, momentum=0.9).takes_products
    assert not gn.optimizers.Adam().takes_products
    assert not gn.optimizers.RMSprop().takes_products


def test_recorder_sees_the_same_gradient_norms(data) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    rec_f, rec_p = NeuronRecorder(data=X), NeuronRecorder(data=X)
    _model(np.float64).fit(X, y, epochs=2, batch_size=16, seed=2, verbose=0, callbacks=[rec_f])
    _model(np.float64, opt=UnfusedSGD(learning_rate=0.1)).fit(
        X, y, epochs=2, batch_size=16, seed=2, verbose=0, callbacks=[rec_p])
    for name in rec_f.layer_names:
        a, b = rec_f.history[name]["grad_norm"], rec_p.history[name]["grad_norm"]
        assert np.isfinite(a[1:]).all() and (a[1:] > 0).any()
        np.testing.assert_allclose(a, b, rtol=1e-10, equal_nan=True)


def test_small_layers_take_the_plain_numpy_step(data, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    monkeypatch.setattr(optimizers_module, "FUSED_SGD_MIN_SIZE", 16 * 12)  # only layer 1 fuses
    model = _model(np.float64)
    plain = _model(np.float64, opt=UnfusedSGD(learning_rate=0.1))
    x, t = model.check_X(X), model.prepare_targets(y, X.shape[0])
    model.train_step(x, t)
    plain.train_step(x, t)
    pending = [_pending(layer) for layer in model.layers]
    assert pending == [_blas.available(np.float64), False, False]
    for a, b in zip(model.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
