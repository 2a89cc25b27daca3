import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation

# No inline script or style anywhere: every asset is a local static file.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class RequestIdMiddleware:
    """Give every request an id, echoed as X-Request-ID and written into audit records."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = str(request.request_id)  # type: ignore[attr-defined]
        return response


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class CookieLocaleMiddleware:
    """Vietnamese unless the user chose another language (cookie set by set_language).

    The browser's Accept-Language is ignored on purpose: officials often run an English
    Windows or browser, and the product's language is Vietnamese.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class RefuseNulMiddleware:
    """A NUL character in the address or a form field is never legitimate input: answer 400
    before any view reads it (PostgreSQL text cannot hold it and would fail the request with
    a 500; SQLite would store it). The API answers the same input with its own 422."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        values = [request.path_info, *request.GET.keys(), *(v for vs in request.GET.lists() for v in vs[1])]
        if request.method == "POST" and not (request.content_type or "").startswith("application/json"):
            values += [*request.POST.keys(), *(v for vs in request.POST.lists() for v in vs[1])]
        if any("\x00" in value for value in values):
            return HttpResponseBadRequest(
                "Dữ liệu gửi lên chứa ký tự không hợp lệ (NUL). / The request contains an invalid character (NUL).",
                content_type="text/plain; charset=utf-8")
        return self.get_response(request)
