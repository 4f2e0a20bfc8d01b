"""`manage.py workflow_diagram`: the path of a case as a Mermaid state diagram, drawn from the
one transition table (cases.workflow.TRANSITIONS). The README embeds its output, and a test
keeps the two equal."""

from django.core.management.base import BaseCommand

from cases.workflow import mermaid_diagram


class Command(BaseCommand):
    help = "Print the case workflow as a Mermaid state diagram drawn from the transition table."

    def handle(self, *args, **options):
        self.stdout.write(mermaid_diagram())
