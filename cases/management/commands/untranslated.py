"""`manage.py untranslated`: what is left to translate, per configured language.

Without options: a count per language of the catalog's untranslated or fuzzy messages and the
reference rows without a name in it. `--po LANGUAGE` prints that language's untranslated
messages as a small .po file to fill in (msgstr lines empty, plural forms ready), then merge with

    msgcat --use-first locale/LANGUAGE/LC_MESSAGES/django.po filled.po \\
        -o locale/LANGUAGE/LC_MESSAGES/django.po && make messages

(the catalog first keeps its header and order; a message empty or fuzzy there takes the
filled-in translation).

Reference names are given in the admin (the "name (language)" boxes of each reference row).
"""

import io

from babel.messages.pofile import write_po
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from cases.translation_gaps import (
    languages_to_check,
    missing_reference_names,
    read_catalog,
    untranslated_messages,
)


class Command(BaseCommand):
    help = "List the messages and reference names not yet translated, per configured language."

    def add_arguments(self, parser):
        parser.add_argument(
            "--po",
            metavar="LANGUAGE",
            help="Print LANGUAGE's untranslated messages as a .po file to fill in.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Exit with an error when anything is left to translate.",
        )

    def handle(self, *args, po=None, check=False, **options):
        if po:
            if po not in languages_to_check():
                raise CommandError(f"{po} is not one of {', '.join(languages_to_check())}.")
            self.stdout.write(self._fill_in_file(po), ending="")
            return
        left = 0
        for language in languages_to_check():
            messages = untranslated_messages(language)
            left += len(messages)
            self.stdout.write(f"{language}: {len(messages)} messages to translate")
            for message in messages:
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                fuzzy = " (fuzzy)" if message.fuzzy else ""
                self.stdout.write(f"  {msgid!r}{fuzzy}")
        try:
            names = missing_reference_names()
        except DatabaseError as error:
            # The catalogs can be checked without a database (right after `make messages`).
            self.stdout.write(f"reference names: not checked, no database ({error})")
            names = None
        if names is not None:
            left += len(names)
            self.stdout.write(f"reference names: {len(names)} rows lack a name in some language")
        for row in names or []:
            languages = ", ".join(row.languages)
            self.stdout.write(f"  {row.model} {row.pk} {row.name!r}: {languages}")
        if check and left:
            raise CommandError(f"{left} translations are missing.")

    def _fill_in_file(self, language: str) -> str:
        """The catalog with only its untranslated messages left, emptied, fuzzy flags off."""
        fill_in = read_catalog(language)
        left = {
            (m.id if isinstance(m.id, str) else m.id[0], m.context)
            for m in untranslated_messages(language)
        }
        for message in list(fill_in):
            if not message.id:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            if (msgid, message.context) not in left:
                fill_in.delete(message.id, context=message.context)
                continue
            message.flags.discard("fuzzy")
            message.previous_id = []
            # msgmerge's "#| msgid" guesses, which Babel reads as comments
            message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
            message.string = ("",) * fill_in.num_plurals if message.pluralizable else ""
        out = io.BytesIO()
        write_po(out, fill_in, width=79, omit_header=False)
        return out.getvalue().decode("utf-8")
