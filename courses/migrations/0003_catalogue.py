"""The national course catalogue the programme starts with. Safe to run again: each course is
looked up by its title and only created when missing."""

from django.db import migrations

# Titles and descriptions are data shown to users, so they are in Norwegian Bokmål.
CATALOGUE = [
    {
        "title": "Grunnkurs: vold og rollen som ressursvenn",
        "kind": "basic",
        "required_for_matching": True,
        "qualifies_for": 0,
        "description": (
            "Det obligatoriske grunnkurset for alle ressursvenner. Hva vold i nære relasjoner "
            "er, hvilke former den kan ta og hvordan den virker inn på den som blir utsatt for "
            "den. Hva rollen som ressursvenn innebærer: en venn og praktisk hjelper på like "
            "fot, taushetsplikt, grenser og hvor du får støtte. Kurset må være gjennomført før "
            "du kan kobles med en kvinne."
        ),
    },
    {
        "title": "Fordypningskurs: æresrelatert vold og negativ sosial kontroll",
        "kind": "specialisation",
        "required_for_matching": False,
        # Consideration.HONOUR_VIOLENCE | NEGATIVE_SOCIAL_CONTROL | FORCED_MARRIAGE
        "qualifies_for": 1 | 2 | 4,
        "description": (
            "For ressursvenner som vil følge kvinner som har opplevd æresrelatert vold, negativ "
            "sosial kontroll eller tvangsekteskap. Hva dette er, hvilke tegn du kan se etter, "
            "og hvordan du kan støtte henne på en trygg måte."
        ),
    },
    {
        "title": "Veiledningsgruppe",
        "kind": "supervision",
        "required_for_matching": False,
        "qualifies_for": 0,
        "description": (
            "Jevnlig veiledning i gruppe sammen med andre ressursvenner og koordinatoren. Del "
            "erfaringer, få råd og støtte i rollen som ressursvenn."
        ),
    },
]


def add_catalogue(apps, schema_editor):
    Course = apps.get_model("courses", "Course")
    for entry in CATALOGUE:
        values = dict(entry)
        title = values.pop("title")
        Course.objects.get_or_create(title=title, defaults=values)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_initial"),
    ]

    operations = [
        # Reversing leaves the courses: sessions may already refer to them.
        migrations.RunPython(add_catalogue, migrations.RunPython.noop),
    ]
