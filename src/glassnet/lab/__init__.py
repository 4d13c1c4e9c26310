"""The lab: experiments that answer the learners' questions (see QUESTIONS.md).

Each ``run_<name>(..., seed=...)`` returns an :class:`ExperimentResult` (numbers, tables and
a verdict drawn from them); :func:`run_tour` runs all six in order.
"""

from .base import ExperimentResult, format_table
from .flow import run_flow
from .labor import run_labor
from .seeds import run_seeds
from .symmetry import run_symmetry
from .tour import TOUR, experiment_function, run_tour, run_tour_and_render
from .unitwise import run_unitwise
from .vectorize import run_vectorize

__all__ = [
    "TOUR",
    "ExperimentResult",
    "experiment_function",
    "format_table",
    "run_flow",
    "run_labor",
    "run_seeds",
    "run_symmetry",
    "run_tour",
    "run_tour_and_render",
    "run_unitwise",
    "run_vectorize",
]
