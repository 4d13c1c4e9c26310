"""Read-only instruments: they read a model and its training, and never change it."""

from .flow import DataFlow, FitSchedule, LayerFlow, data_flow, fit_schedule
from .gradcheck import GradCheckResult, gradient_check
from .recorder import NeuronRecorder
from .symmetry import LayerSymmetry, SymmetryReport, symmetry
from .units import UnitEvent, UnitStatus, dead_units, unit_events, unit_status

__all__ = [
    "DataFlow",
    "FitSchedule",
    "GradCheckResult",
    "LayerFlow",
    "LayerSymmetry",
    "NeuronRecorder",
    "SymmetryReport",
    "UnitEvent",
    "UnitStatus",
    "data_flow",
    "dead_units",
    "fit_schedule",
    "gradient_check",
    "symmetry",
    "unit_events",
    "unit_status",
]
