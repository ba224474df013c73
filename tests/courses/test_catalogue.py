"""The course catalogue in the national admin's own pages (/admin-nks/kurs/)."""

import pytest
from django.urls import reverse

from courses.models import Course, CourseKind
from tests.conftest import login
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _course(**fields):
    return Course.objects.create(
        title=fields.pop("title", "Grunnkurs"), kind=CourseKind.BASIC, **fields
    )


def test_only_the_national_admin_opens_the_catalogue(
    client, coordinator_oslo, shelter_worker_oslo, volunteer_oslo
):
    course = _course()
    for user in (coordinator_oslo, shelter_worker_oslo, volunteer_oslo):
        login(client, user)
        for url in (
            reverse("course_catalogue"),
            reverse("course_catalogue_new"),
            reverse("course_catalogue_edit", args=[course.public_id]),
        ):
            assert client.get(url).status_code == 403
        response = client.post(
            reverse("course_catalogue_offer", args=[course.public_id]), {"offered": "no"}
        )
        assert response.status_code == 403
    course.refresh_from_db()
    assert course.is_active


def test_she_creates_and_edits_a_course(client, national_admin):
    login(client, national_admin)
    response = client.post(
        reverse("course_catalogue_new"),
        {"title": "Fordypning", "kind": "specialisation", "qualifies_for": ["1", "4"]},
    )
    assert response.status_code == 302
    course = Course.objects.get(title="Fordypning")
    assert course.qualifies_for == 5 and course.is_active
    response = client.post(
        reverse("course_catalogue_edit", args=[course.public_id]),
        {"title": "Fordypningskurs", "kind": "specialisation", "validity_months": "24"},
    )
    course.refresh_from_db()
    assert course.title == "Fordypningskurs" and course.validity_months == 24


def test_a_duplicate_title_is_refused_beside_the_field(client, national_admin):
    _course()
    before = Course.objects.count()
    login(client, national_admin)
    response = client.post(reverse("course_catalogue_new"), {"title": "Grunnkurs", "kind": "basic"})
    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert 'value="Grunnkurs"' in response.content.decode()
    assert Course.objects.count() == before


def test_a_course_is_deactivated_never_deleted(client, national_admin):
    course = _course()
    before = Course.objects.count()
    login(client, national_admin)
    client.post(reverse("course_catalogue_offer", args=[course.public_id]), {"offered": "no"})
    course.refresh_from_db()
    assert not course.is_active and Course.objects.count() == before
    client.post(reverse("course_catalogue_offer", args=[course.public_id]), {"offered": "yes"})
    course.refresh_from_db()
    assert course.is_active


def test_the_catalogue_asks_the_same_number_of_questions_for_3_or_30(client, national_admin):
    login(client, national_admin)
    made = iter(range(100))

    def grow(n):
        for _ in range(n):
            _course(title=f"Kurs {next(made)}")

    # The middleware's, the count, the page with each course's upcoming sessions.
    assert assert_constant_queries(client, reverse("course_catalogue"), grow) == 5


def test_a_course_the_matching_counts_on_cannot_be_stopped(client, national_admin):
    """Stopping the basic course would drop the course requirement from approval and
    matching; stopping a specialisation course, everyone's qualification for it."""
    login(client, national_admin)
    required = Course.objects.create(
        title="Grunnkurs", kind=CourseKind.BASIC, required_for_matching=True
    )
    special = Course.objects.create(
        title="Fordypning", kind=CourseKind.SPECIALISATION, qualifies_for=1
    )
    plain = Course.objects.create(title="Veiledning", kind=CourseKind.SUPERVISION)
    for course in (required, special, plain):
        response = client.post(
            reverse("course_catalogue_offer", args=[course.public_id]), {"offered": "no"}
        )
        assert response.status_code == 302
    for course, offered in ((required, True), (special, True), (plain, False)):
        course.refresh_from_db()
        assert course.is_active is offered, course.title
    page = client.get(reverse("course_catalogue")).content.decode()
    assert "cannot be stopped while the matching counts on it" in page


def test_supervision_is_no_longer_a_course_a_national_admin_can_make():
    """Supervision is held in the supervision groups: the catalogue's old supervision course is
    no longer offered (migration courses 0008), no new course takes the kind, and a course that
    had it keeps it in the list so it can still be changed."""
    from courses.forms import CourseCatalogueForm

    retired = Course.objects.get(kind=CourseKind.SUPERVISION)
    assert retired.is_active is False
    new_kinds = {value for value, _label in CourseCatalogueForm().fields["kind"].choices}
    assert CourseKind.SUPERVISION not in new_kinds
    assert {CourseKind.BASIC, CourseKind.SPECIALISATION} <= new_kinds
    kept = {value for value, _l in CourseCatalogueForm(instance=retired).fields["kind"].choices}
    assert CourseKind.SUPERVISION in kept
    refused = CourseCatalogueForm(data={"title": "Ny veiledning", "kind": "supervision"})
    assert not refused.is_valid() and "kind" in refused.errors
