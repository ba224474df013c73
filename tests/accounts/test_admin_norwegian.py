"""Django's admin in Norwegian: no English name left on its index or in its forms."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from tests.conftest import login
from tests.factories import person

pytestmark = pytest.mark.django_db

# Words that read the same in both languages.
SAME_IN_BOTH = {"ID", "HTML", "status", "Ressursvenner", "person", "type", "data"}


def _untranslated(label) -> bool:
    with translation.override("en"):
        english = str(label)
    with translation.override("nb"):
        norwegian = str(label)
    return norwegian == english and english not in SAME_IN_BOTH


def test_every_app_model_and_field_the_admin_shows_has_a_norwegian_name():
    missing = []
    for model in admin.site._registry:
        app = apps.get_app_config(model._meta.app_label)
        for label in (app.verbose_name, model._meta.verbose_name, model._meta.verbose_name_plural):
            if _untranslated(label):
                missing.append(f"{model._meta.label}: {label}")
        for field in model._meta.get_fields():
            shown = field.concrete or (field.many_to_many and not field.auto_created)
            if shown and _untranslated(field.verbose_name):
                missing.append(f"{model._meta.label}.{field.name}: {field.verbose_name}")
    assert missing == []


def test_the_admin_index_in_norwegian_shows_no_english_names(client):
    superuser = person(Role.NATIONAL_ADMIN, is_superuser=True, is_staff=True)
    login(client, superuser)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode()
    names = re.findall(r'<a href="/admin/[^"]*"[^>]*>([^<]+)</a>', page)
    assert names, page
    english = []
    with translation.override("en"):
        for model in admin.site._registry:
            english += [str(model._meta.verbose_name_plural).capitalize()]
            english += [str(apps.get_app_config(model._meta.app_label).verbose_name)]
    shown_english = [n for n in names if n in english and n not in SAME_IN_BOTH]
    assert shown_english == []
