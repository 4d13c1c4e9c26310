"""One plotting module per experiment: ``figures(result) -> dict[str, Figure]``."""
