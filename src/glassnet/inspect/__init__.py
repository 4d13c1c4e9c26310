"""Read-only instruments: they read a model and its training, and never change it."""

from .flow import DataFlow, FitSchedule, LayerFlow, data_flow, fit_schedule
from .gradcheck import GradCheckResult, gradient_check
from .labor import (
    Ablation,
    Redundancy,
    Selectivity,
    ablation,
    activation_map,
    layer_activations,
    redundancy,
    selectivity,
    top_examples,
    unit_images,
)
from .live import LiveView
from .recorder import NeuronRecorder
from .seeds import (
    Matching,
    SeedComparison,
    align,
    compare_seeds,
    linear_cka,
    match_units,
    permute_units,
    train_seeds,
    weight_distance,
    weight_distance_per_layer,
)
from .symmetry import LayerSymmetry, SymmetryReport, distinct_units, symmetry
from .units import UnitEvent, UnitStatus, dead_units, unit_events, unit_status

__all__ = [
    "Ablation",
    "DataFlow",
    "FitSchedule",
    "GradCheckResult",
    "LayerFlow",
    "LayerSymmetry",
    "LiveView",
    "Matching",
    "NeuronRecorder",
    "Redundancy",
    "SeedComparison",
    "Selectivity",
    "SymmetryReport",
    "UnitEvent",
    "UnitStatus",
    "ablation",
    "activation_map",
    "align",
    "compare_seeds",
    "data_flow",
    "dead_units",
    "fit_schedule",
    "gradient_check",
    "layer_activations",
    "linear_cka",
    "match_units",
    "permute_units",
    "redundancy",
    "selectivity",
    "symmetry",
    "distinct_units",
    "top_examples",
    "train_seeds",
    "unit_events",
    "unit_images",
    "unit_status",
    "weight_distance",
    "weight_distance_per_layer",
]
