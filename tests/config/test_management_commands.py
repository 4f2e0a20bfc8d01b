"""The project's own commands: reference data and the workflow diagram in the README."""

import re
from io import StringIO
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.management import call_command

from cases.models import Country, Location, Programme
from cases.workflow import TRANSITIONS
from core.roles import Role

ROOT = Path(__file__).resolve().parents[2]


def test_load_reference_data_twice_adds_nothing_twice(db):
    call_command("load_reference_data", stdout=StringIO())
    counts = (Country.objects.count(), Programme.objects.count(), Location.objects.count())
    groups = Group.objects.count()

    out = StringIO()
    call_command("load_reference_data", stdout=out)

    assert (Country.objects.count(), Programme.objects.count(), Location.objects.count()) == counts
    assert Group.objects.count() == groups
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
    assert f"{counts[0]} countries" in out.getvalue()


def test_workflow_diagram_draws_every_step_of_the_transition_table():
    out = StringIO()
    call_command("workflow_diagram", stdout=out)
    diagram = out.getvalue()

    assert diagram.startswith("stateDiagram-v2")
    for transition in TRANSITIONS:
        assert f": {transition.name}" in diagram, transition.name


def test_readme_shows_the_diagram_the_command_generates():
    out = StringIO()
    call_command("workflow_diagram", stdout=out)
    readme = (ROOT / "README.md").read_text()

    blocks = re.findall(r"```mermaid\n(.*?)```", readme, re.DOTALL)

    assert len(blocks) == 1, "README.md must hold exactly one mermaid block"
    assert blocks[0].strip() == out.getvalue().strip(), (
        "README.md's diagram is stale: paste the output of `manage.py workflow_diagram`"
    )


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```\w*\n(.*?)```", readme, re.DOTALL)

    assert first_block.start() < 200, "the commands must come first"
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make run", "make test"]


def test_readme_permission_matrix_matches_the_workflow_table():
    readme = (ROOT / "README.md").read_text()
    header = next(line for line in readme.splitlines() if line.startswith("| job |"))
    role_labels = [cell.strip() for cell in header.strip("|").split("|")[1:]]
    label_to_role = {str(role.label): role.value for role in Role}
    columns = [label_to_role[label] for label in role_labels]
    rows = {}
    for line in readme.splitlines():
        if line.startswith("| Case step: "):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            rows[cells[0].removeprefix("Case step: ")] = {
                role for role, cell in zip(columns, cells[1:], strict=True) if cell
            }

    expected = {str(t.label): {str(role) for role in t.roles} for t in TRANSITIONS}

    assert rows == expected
