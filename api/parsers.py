"""JSON bodies: one nested deeper than the parser's stack can follow is the client's error."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's json module recurses once per level: thousands of "[" exhaust it.
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from None
