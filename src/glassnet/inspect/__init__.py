"""Read-only instruments: they read a model and its training, and never change it."""

from .gradcheck import GradCheckResult, gradient_check

__all__ = ["GradCheckResult", "gradient_check"]
