import pytest

from accounts.models import County, Municipality
from accounts.reference_data import load_reference_data

pytestmark = pytest.mark.django_db


def test_the_register_is_loaded_by_the_migrations():
    assert County.objects.count() == 15
    assert Municipality.objects.count() == 357
    oslo = Municipality.objects.get(number="0301")
    assert (oslo.name, oslo.county.name) == ("Oslo", "Oslo")
    assert oslo.latitude == pytest.approx(59.91273)
    assert oslo.longitude == pytest.approx(10.74609)


def test_municipalities_that_share_a_name_are_told_apart_by_number_and_county():
    heroy = Municipality.objects.filter(name="Herøy").select_related("county").order_by("number")
    assert [(m.number, m.label) for m in heroy] == [
        ("1515", "Herøy (Møre og Romsdal)"),
        ("1818", "Herøy (Nordland)"),
    ]


def test_loading_again_changes_nothing_and_repairs_edits():
    Municipality.objects.filter(number="5001").update(name="Nidaros", latitude=0)
    counties, municipalities = load_reference_data(County, Municipality)
    assert (counties, municipalities) == (15, 357)
    assert Municipality.objects.count() == 357
    trondheim = Municipality.objects.get(number="5001")
    assert trondheim.name == "Trondheim"
    assert trondheim.latitude == pytest.approx(63.43049)
