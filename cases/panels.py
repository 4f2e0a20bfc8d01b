"""Sections that apps above `cases` add to the case page (health clearance, orientation, movement).

An app registers a panel in its ready(); the case page renders each panel the user may see,
in order, without `cases` importing that app.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CasePanel:
    name: str
    template: str
    order: int
    # (case, user) -> dict of template context, or None when the panel has nothing to show.
    context: Callable
    # (user) -> bool: whether this user may see the panel at all.
    visible_to: Callable


_panels: dict[str, CasePanel] = {}


def register_panel(panel: CasePanel) -> None:
    _panels[panel.name] = panel


def panels_for(case, user) -> list[tuple[CasePanel, dict]]:
    """The panels to render on `case`'s page for `user`, with their context."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        if not panel.visible_to(user):
            continue
        context = panel.context(case, user)
        if context is not None:
            shown.append((panel, context))
    return shown


# Short notes other apps add under a case's status in the case list (movements: the travel
# window). Each takes the page's cases and returns {case id: note}; it queries only for cases
# that concern it, in a fixed number of queries.
_row_notes: dict[str, Callable] = {}


def register_row_note(name: str, notes: Callable) -> None:
    _row_notes[name] = notes


def row_notes_for(cases) -> dict[int, str]:
    notes: dict[int, str] = {}
    for name in sorted(_row_notes):
        for case_id, note in _row_notes[name](cases).items():
            notes[case_id] = f"{notes[case_id]}; {note}" if case_id in notes else note
    return notes
