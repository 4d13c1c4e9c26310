"""Pictures (matplotlib) and the self-contained HTML report."""
