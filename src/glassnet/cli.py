"""The command line: ``glassnet demo`` and the lab's experiments."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import glassnet as gn


def _demo(args: argparse.Namespace) -> int:
    """Train the course's digits model and report its test accuracy."""
    X, y = gn.datasets.load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = gn.datasets.train_test_split(
        X, y, test_size=0.2, seed=args.seed, stratify=True
    )
    model = gn.Sequential(
        [
            gn.layers.Input(shape=(X.shape[1],)),
            gn.layers.Dense(25, activation="relu", name="L1"),
            gn.layers.Dense(15, activation="relu", name="L2"),
            gn.layers.Dense(10, activation="linear", name="L3"),
        ],
        seed=args.seed,
    )
    model.compile(
        loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=gn.optimizers.Adam(learning_rate=0.001),
        metrics=["accuracy"],
    )
    model.summary()
    model.fit(X_train, y_train, epochs=args.epochs, batch_size=32, validation_split=0.2,
              seed=args.seed, verbose=1)
    result = model.evaluate(X_test, y_test)
    print(f"Test: loss {result['loss']:.4f}, accuracy {result['accuracy']:.2%} "
          f"on {len(y_test)} held-out digits")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet", description="A fast NumPy neural network you can see through."
    )
    parser.add_argument("--version", action="version", version=f"glassnet {gn.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train the course's digits network and report accuracy")
    demo.add_argument("--epochs", type=int, default=40)
    demo.add_argument("--seed", type=int, default=1234)
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))
