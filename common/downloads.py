import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse


def json_download(data: dict, filename: str) -> HttpResponse:
    """A JSON file to save (a data request): UTF-8, readable, not cached."""
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response
