"""The orientation section of the case page (registered in OrientationConfig.ready)."""

from .selectors import case_orientation_progress


def case_panel_context(case, user) -> dict:
    """Whether the case has completed orientation and, if not, who misses what."""
    return {"orientation": case_orientation_progress(case)}
