"""The lab: experiments that answer the learners' questions (see QUESTIONS.md)."""

from .base import ExperimentResult, format_table

__all__ = ["ExperimentResult", "format_table"]
