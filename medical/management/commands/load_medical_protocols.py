from django.core.management.base import BaseCommand

from medical.reference_data import load_medical_protocols


class Command(BaseCommand):
    help = "Create the medical protocol of every destination programme that has none."

    def handle(self, *args, **options):
        created = load_medical_protocols()
        self.stdout.write(f"Medical protocols created: {created}")
