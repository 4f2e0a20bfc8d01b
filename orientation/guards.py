"""Workflow guards about cultural orientation, registered in OrientationConfig.ready."""

from .selectors import case_orientation_progress


def orientation_completed(case, context):
    """None when every member at or over the curriculum's minimum age (on the session's first
    day) attended every day of a held session of the case's destination; otherwise who is
    missing which day, or that the case is not enrolled in any session."""
    return case_orientation_progress(case).refusal()
