from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

# Packages whose 404 messages are written for the visitor ("This share link does not exist...").
PORTAL_PACKAGES = {"fasttrack", "accounts", "engagements", "responsibilities"}


@requires_csrf_token  # The page's language switch and logout forms carry a token.
def page_not_found(request, exception):
    return render(request, "404.html", {"message": portal_message(exception)}, status=404)


def portal_message(exception) -> str | None:
    """The message of a 404 the portal's own code raised, else None.

    Django's own 404s are not for the visitor: an unknown address's holds the URL patterns tried
    (the page would print "Resolver404"), and get_object_or_404's names a model, in English.
    So a message counts only when the raise itself is in one of the portal's packages.
    """
    frame = exception.__traceback__
    if frame is None or not exception.args or not isinstance(exception.args[0], str):
        return None
    while frame.tb_next is not None:
        frame = frame.tb_next
    module = frame.tb_frame.f_globals.get("__name__", "")
    return exception.args[0] if module.partition(".")[0] in PORTAL_PACKAGES else None
