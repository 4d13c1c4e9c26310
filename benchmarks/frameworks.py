"""One trainer per library, all built from the same :class:`Spec` and the same arrays.

Each trainer runs one epoch per call, the way that library is normally used:

- glassnet: ``model.fit(X, y, epochs=1, batch_size=..., shuffle=True)``;
- PyTorch: a plain ``nn.Sequential`` loop over pre-made tensors, a fresh permutation per
  epoch, batches gathered from slices of it, ``zero_grad / loss / backward / step``, and the
  epoch loss accumulated with ``loss.item()`` (glassnet and scikit-learn track it too);
- scikit-learn: ``MLPClassifier.partial_fit``, which is one shuffled epoch of minibatches.

Same architecture (ReLU hidden layers, linear output, softmax cross-entropy), batch size,
optimizer and hyperparameters (SGD without momentum or weight decay, or Adam with
beta_1=0.9, beta_2=0.999, epsilon=1e-8), dtype and data.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

LIBRARIES = ("glassnet", "torch", "sklearn")
ADAM_EPSILON = 1e-8


@dataclass(frozen=True)
class Spec:
    """A network and how it is trained: ``sizes`` = (inputs, hidden..., outputs)."""

    name: str
    sizes: tuple[int, ...]
    batch_size: int
    optimizer: str = "sgd"  # "sgd" or "adam"
    dtype: str = "float32"
    n_samples: int = 16384
    learning_rate: float = 0.01

    @property
    def label(self) -> str:
        arch = "-".join(str(s) for s in self.sizes)
        return f"{arch} {self.optimizer} b{self.batch_size} {self.dtype}"


def matmul_flops_per_sample(sizes: tuple[int, ...]) -> int:
    """Floating-point operations of one training example's matrix products.

    Per layer with ``n_in`` inputs and ``n_out`` units: forward ``z = x W`` costs
    ``2 n_in n_out``; backward ``grad_W = x^T grad_z`` another ``2 n_in n_out`` and
    ``grad_x = grad_z W^T`` another ``2 n_in n_out``, except in the first layer, whose input
    gradient is never needed. Element-wise work (bias, activation, loss, update) is not
    counted: it is small next to the products and not what a matrix-multiply rate measures.
    """
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = sum(2 * a * b for a, b in pairs)
    grad_w = sum(2 * a * b for a, b in pairs)
    grad_x = sum(2 * a * b for a, b in pairs[1:])
    return forward + grad_w + grad_x


def available(name: str) -> bool:
    try:
        importlib.import_module("sklearn.neural_network" if name == "sklearn" else name)
    except ImportError:
        return False
    return True


def make_data(spec: Spec, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standard-normal features in ``spec.dtype`` and uniform integer labels."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((spec.n_samples, spec.sizes[0]), dtype=np.dtype(spec.dtype).type)
    y = rng.integers(0, spec.sizes[-1], spec.n_samples)
    return X, y


# --------------------------------------------------------------------------- glassnet


def glassnet_model(spec: Spec, seed: int = 0) -> Any:
    import glassnet as gn

    layers: list[Any] = [gn.layers.Input(shape=(spec.sizes[0],))]
    layers += [gn.layers.Dense(w, activation="relu") for w in spec.sizes[1:-1]]
    layers.append(gn.layers.Dense(spec.sizes[-1], activation="linear"))
    model = gn.Sequential(layers, seed=seed, dtype=spec.dtype)
    if spec.optimizer == "adam":
        opt: Any = gn.optimizers.Adam(learning_rate=spec.learning_rate, epsilon=ADAM_EPSILON)
    else:
        opt = gn.optimizers.SGD(learning_rate=spec.learning_rate)
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer=opt)
    return model


def glassnet_trainer(spec: Spec, X: np.ndarray, y: np.ndarray,
                     callbacks: list[Any] | None = None) -> Callable[[int], None]:
    model = glassnet_model(spec)

    def epoch(seed: int) -> None:
        model.fit(X, y, epochs=1, batch_size=spec.batch_size, shuffle=True, seed=seed,
                  callbacks=callbacks, verbose=0)

    epoch.model = model  # type: ignore[attr-defined]
    return epoch


# --------------------------------------------------------------------------- PyTorch


def torch_net(spec: Spec, seed: int = 0) -> Any:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    layers: list[Any] = []
    for a, b in zip(spec.sizes[:-1], spec.sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    net = nn.Sequential(*layers[:-1])
    return net.to(getattr(torch, spec.dtype))


def torch_trainer(spec: Spec, X: np.ndarray, y: np.ndarray) -> Callable[[int], None]:
    import torch
    from torch import nn

    net = torch_net(spec)
    if spec.optimizer == "adam":
        opt: Any = torch.optim.Adam(net.parameters(), lr=spec.learning_rate, eps=ADAM_EPSILON)
    else:
        opt = torch.optim.SGD(net.parameters(), lr=spec.learning_rate)
    loss_fn = nn.CrossEntropyLoss()
    X_t = torch.from_numpy(X)
    y_t = torch.from_numpy(y.astype(np.int64))
    n, bs = X.shape[0], spec.batch_size

    def epoch(seed: int) -> None:
        net.train()
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
        total = 0.0
        for start in range(0, n, bs):
            idx = perm[start:start + bs]
            xb, yb = X_t[idx], y_t[idx]
            opt.zero_grad()
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * idx.shape[0]

    epoch.net = net  # type: ignore[attr-defined]
    return epoch


# --------------------------------------------------------------------------- scikit-learn


def sklearn_classifier(spec: Spec) -> Any:
    from sklearn.neural_network import MLPClassifier

    common: dict[str, Any] = dict(
        hidden_layer_sizes=spec.sizes[1:-1], activation="relu", alpha=0.0,
        batch_size=spec.batch_size, learning_rate_init=spec.learning_rate, shuffle=True,
        random_state=0, max_iter=1, tol=0.0, n_iter_no_change=10**9, early_stopping=False,
    )
    if spec.optimizer == "adam":
        return MLPClassifier(solver="adam", beta_1=0.9, beta_2=0.999, epsilon=ADAM_EPSILON,
                             **common)
    return MLPClassifier(solver="sgd", learning_rate="constant", momentum=0.0,
                         nesterovs_momentum=False, **common)


def sklearn_trainer(spec: Spec, X: np.ndarray, y: np.ndarray) -> Callable[[int], None]:
    clf = sklearn_classifier(spec)
    classes = np.arange(spec.sizes[-1])

    def epoch(seed: int) -> None:
        # partial_fit = one shuffled pass of minibatches (solver sgd/adam)
        if hasattr(clf, "classes_"):
            clf.partial_fit(X, y)
        else:
            clf.partial_fit(X, y, classes=classes)

    epoch.clf = clf  # type: ignore[attr-defined]
    return epoch


TRAINERS: dict[str, Callable[..., Callable[[int], None]]] = {
    "glassnet": glassnet_trainer,
    "torch": torch_trainer,
    "sklearn": sklearn_trainer,
}
