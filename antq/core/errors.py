from django.http import Http404


class OutOfScope(Http404):
    """The object is not in the acting user's scope; shown as 404 so nothing leaks."""
