"""Name -> component resolution in one place.

Every string a user may pass (``"relu"``, ``"adam"``, ``"he_normal"``...) is resolved
through a :class:`Registry`. Unknown names raise :class:`~glassnet.errors.ConfigError`
listing the valid ones. Objects of the right base class pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .errors import ArgumentTypeError, ConfigError

T = TypeVar("T")


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


class Registry(Generic[T]):
    """A fixed mapping from names to factories of one kind of component."""

    def __init__(self, kind: str, base: type[T]) -> None:
        self.kind = kind
        self.base = base
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, *names: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def deco(factory: Callable[..., T]) -> Callable[..., T]:
            for name in names:
                self._factories[_norm(name)] = factory
            return factory

        return deco

    def add(self, cls: Any, name: str) -> None:
        """Register a user's class under ``name`` (what its saved config calls it).

        Re-registering the same class is harmless; taking a name that another class already
        holds is a ConfigError (a file must never resolve to a different class than the one
        that wrote it)."""
        key = _norm(name)
        held = self._factories.get(key)
        if held is not None and held is not cls:
            raise ConfigError(
                f"name: the {self.kind} name {name!r} is already taken by "
                f"{getattr(held, '__qualname__', held)!r}; give your class another name"
            )
        self._factories[key] = cls

    def lookup(self, name: str) -> Callable[..., T] | None:
        """The factory registered under ``name``, or None."""
        return self._factories.get(_norm(name))

    def names(self) -> list[str]:
        return sorted(self._factories)

    def get(self, identifier: Any, *, argument: str | None = None, **kwargs: Any) -> T:
        """Resolve ``identifier`` (a name, an instance, or a config dict) to a component."""
        arg = argument or self.kind
        if isinstance(identifier, self.base):
            return identifier
        if isinstance(identifier, str):
            factory = self._factories.get(_norm(identifier))
            if factory is None:
                raise ConfigError(
                    f"{arg}: unknown {self.kind} {identifier!r}; "
                    f"expected one of {', '.join(self.names())}"
                )
            return factory(**kwargs)
        if isinstance(identifier, dict):
            return self.from_config(identifier, argument=arg)
        raise ArgumentTypeError(
            f"{arg}: expected a {self.kind} name (str) or a {self.base.__name__} instance, "
            f"got {type(identifier).__name__}"
        )

    def from_config(self, config: dict[str, Any], *, argument: str | None = None) -> T:
        """Rebuild a component from ``{"name": ..., "config": {...}}`` (what get_config gives)."""
        arg = argument or self.kind
        name = config.get("name")
        params = config.get("config", {})
        if not isinstance(name, str) or not isinstance(params, dict):
            raise ConfigError(
                f"{arg}: expected a config {{'name': str, 'config': dict}}, got {config!r}"
            )
        factory = self._factories.get(_norm(name))
        if factory is None:
            raise ConfigError(
                f"{arg}: unknown {self.kind} {name!r}; expected one of {', '.join(self.names())}"
            )
        try:
            return factory(**params)
        except TypeError as exc:
            raise ConfigError(f"{arg}: bad parameters for {self.kind} {name!r}: {exc}") from exc
