"""The digits set-up shared by the labor (Q4) and seeds (Q5) experiments."""

from __future__ import annotations

from typing import Any

from ..datasets import load_digits, train_test_split
from ..errors import ConfigError
from ..layers import Dense, Input
from ..losses import SparseCategoricalCrossentropy
from ..model import Sequential
from ..optimizers import Adam


def check_learning_rate(learning_rate: Any) -> float:
    if isinstance(learning_rate, bool) or not (
        isinstance(learning_rate, (int, float)) and learning_rate > 0
    ):
        raise ConfigError(f"learning_rate: expected a number > 0, got {learning_rate!r}")
    return float(learning_rate)


def digits_split(seed: int, test_size: float) -> tuple[Any, Any, Any, Any]:
    """The bundled 8x8 digits, split into a stratified train and test set by ``seed``."""
    data = load_digits()
    return train_test_split(data.X, data.y, test_size, seed=seed, stratify=True)


def digits_model(
    hidden: int, hidden2: int, seed: int, learning_rate: float, name: str = "digits"
) -> Sequential:
    """The course's multiclass network on 8x8 digits: 64-hidden-hidden2-10, ReLU, ReLU,
    linear, softmax in the loss (SparseCategoricalCrossentropy(from_logits=True)), Adam."""
    model = Sequential([Input((64,)), Dense(hidden, "relu", name="L1"),
                        Dense(hidden2, "relu", name="L2"), Dense(10, "linear", name="L3")],
                       seed=seed, name=name)
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=Adam(learning_rate=learning_rate),
                  metrics=["accuracy"])
    return model
