from django.conf import settings
from django.urls import reverse
from django.utils import translation


class LanguageMiddleware:
    """Norwegian Bokmål unless the person chose otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language header, so a laptop
    set up in English would show English to a Norwegian coordinator. Here only an explicit
    choice (the language cookie set by the language switch) changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SecurityHeadersMiddleware:
    """Headers Django does not set itself.

    - Permissions-Policy: no geolocation, camera, microphone or payment for any page.
    - Cache-Control: no-store on every page for a logged-in person, so a shared or lost device
      keeps no copy of what she saw.
    - Clear-Site-Data on logging out: the browser drops its cache and storage of the site. Not
      its cookies: the session is already ended on the server and its cookie deleted, and
      clearing them all would also forget the language she chose.
    """

    PERMISSIONS_POLICY = (
        "geolocation=(), camera=(), microphone=(), payment=(), usb=(), interest-cohort=()"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store, private"
        if request.method == "POST" and request.path_info == reverse("account_logout"):
            response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response
