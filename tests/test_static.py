"""The front end's files (issue 16): the shipped Bootstrap holds every rule a page can use, the
static files keep hashed names in production, and the web app's manifest and icons."""

import json
import re
import struct
import sysconfig
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

ROOT = Path(settings.BASE_DIR)
VENDOR = ROOT / "static" / "vendor" / "bootstrap" / "bootstrap.min.css"
SHIPPED = ROOT / "static" / "css" / "bootstrap.css"
TOOLS = ROOT / "tools"
# The words a file can put in a class attribute: purgecss's default extractor, which
# tools/build-css.mjs uses.
WORD = re.compile(r"[A-Za-z0-9_-]+")


def listed(name: str) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in (TOOLS / name).read_text().splitlines())
    return [line for line in lines if line]


def selectors(css: str) -> set[str]:
    """A stylesheet's selectors, one by one (those of @-rules' preludes and keyframes apart)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"url\([^)]*\)", "", css)  # data: URLs hold braces and commas
    found = set()
    for prelude in re.findall(r"([^{};]+)\{", css):
        if prelude.strip().startswith("@"):
            continue
        found.update(" ".join(part.split()) for part in prelude.split(","))
    return found


def classes_of(selector: str) -> set[str]:
    selector = re.sub(r"\"[^\"]*\"|'[^']*'", "", selector)
    return set(re.findall(r"\.(-?[A-Za-z_][\w-]*)", selector))


def attributes_of(selector: str) -> set[str]:
    return set(re.findall(r"\[([\w-]+)", selector))


def source_files() -> dict[str, list[Path]]:
    """tools/css-sources.txt's patterns and the files each finds: what make css reads."""
    site_packages = Path(sysconfig.get_paths()["purelib"])
    found = {}
    for pattern in listed("css-sources.txt"):
        if pattern.startswith("{site-packages}/"):
            base, relative = site_packages, pattern.removeprefix("{site-packages}/")
        else:
            base, relative = ROOT, pattern
        found[pattern] = sorted(path for path in base.glob(relative) if path.is_file())
    return found


def missing_from_shipped(extra_words: frozenset[str] = frozenset()) -> set[str]:
    """Bootstrap's selectors whose every class a source file (or the safelist) names, but that
    the shipped CSS lacks."""
    words = set(extra_words) | set(listed("css-safelist.txt"))
    for paths in source_files().values():
        for path in paths:
            words.update(WORD.findall(path.read_text(errors="replace")))
    shipped = selectors(SHIPPED.read_text())
    return {
        selector
        for selector in selectors(VENDOR.read_text())
        if (classes := classes_of(selector))
        and classes | attributes_of(selector) <= words
        and selector not in shipped
    }


def test_every_bootstrap_class_a_page_can_use_is_shipped():
    missing = missing_from_shipped()
    assert not missing, (
        f"Bootstrap rules for classes the templates or code use, missing from "
        f"static/css/bootstrap.css: {sorted(missing)[:20]}. Run `make css` and commit the result."
    )


def test_a_new_bootstrap_class_in_a_template_is_noticed():
    # What a merge that brings a template with an accordion, a modal or a spinner looks like.
    missing = missing_from_shipped(frozenset({"accordion", "modal-dialog", "spinner-border"}))
    assert {".accordion", ".modal-dialog", ".spinner-border"} <= missing
    assert all(
        classes_of(selector) & {"accordion", "modal-dialog", "spinner-border"}
        for selector in missing
    )


def test_every_source_pattern_finds_files():
    # A moved template folder or package would otherwise shrink the CSS silently.
    empty = [pattern for pattern, paths in source_files().items() if not paths]
    assert not empty, f"tools/css-sources.txt patterns that find no file: {empty}"


def test_the_shipped_bootstrap_is_a_fraction_of_the_vendors():
    shipped, vendor = SHIPPED.stat().st_size, VENDOR.stat().st_size
    assert shipped < vendor / 4, (shipped, vendor)
    assert "sourceMappingURL" not in SHIPPED.read_text()  # no map ships with it


def test_pages_load_the_shipped_css_and_no_bootstrap_script(client: Client):
    html = client.get("/").content.decode()
    stylesheets = re.findall(r"<link rel=\"stylesheet\" href=\"([^\"]*)\"", html)
    assert stylesheets == ["/static/css/bootstrap.css", "/static/css/app.css"]
    assert "bootstrap.bundle" not in html
    assert "vendor/bootstrap" not in html


# --- The installable web app ------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_web_manifest_is_linked_valid_and_its_icons_exist(client: Client):
    html = client.get("/").content.decode()
    link = re.search(r"<link rel=\"manifest\" href=\"/static/([^\"]+)\"", html)
    assert link, "base.html links no manifest"
    path = Path(finders.find(link.group(1)))
    manifest = json.loads(path.read_text())
    assert manifest["name"] == "Ressursvenner"
    assert manifest["short_name"] and len(manifest["short_name"]) <= 15
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    theme = re.search(r"--rv-berry:\s*(#[0-9a-f]{6})", (ROOT / "static/css/app.css").read_text())
    assert manifest["theme_color"] == theme.group(1)
    assert f'<meta name="theme-color" content="{theme.group(1)}">' in html
    sizes = set()
    for icon in manifest["icons"]:
        found = finders.find(str(Path(link.group(1)).parent / icon["src"]))
        assert found, f"icon {icon['src']} is not a static file"
        if icon["type"] == "image/png":
            width, height = png_size(Path(found))
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
        else:
            assert icon["type"] == "image/svg+xml"
            assert Path(found).read_text().startswith("<svg")
    assert {192, 512} <= sizes


def test_there_is_no_service_worker():
    # Nothing may keep a page with her data on the phone: no worker, so nothing caches pages.
    assert not list((ROOT / "static").rglob("*worker*.js"))
    assert "serviceWorker" not in (ROOT / "static" / "js" / "app.js").read_text()


# --- Production's static files ----------------------------------------------------------------


@pytest.fixture
def collected(settings, tmp_path):
    """collectstatic as production runs it: whitenoise's compressed manifest storage."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


def test_production_serves_the_front_end_under_hashed_names(collected, settings):
    paths = json.loads((collected / "staticfiles.json").read_text())["paths"]
    for name in ("css/bootstrap.css", "css/app.css", "js/app.js", "manifest.json"):
        hashed = paths[name]
        assert re.fullmatch(re.escape(name.rsplit(".", 1)[0]) + r"\.[0-9a-f]{12}\.\w+", hashed)
        assert (collected / hashed).is_file()
    # A page names the hashed files, and whitenoise serves them for a year, the manifest with
    # as JSON.
    client = Client()
    html = client.get("/").content.decode()
    assert f"/static/{paths['css/bootstrap.css']}" in html
    assert f"/static/{paths['manifest.json']}" in html
    response = client.get(f"/static/{paths['manifest.json']}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=315360000" in response["Cache-Control"]
    assert json.loads(b"".join(response.streaming_content))["name"] == "Ressursvenner"


def test_the_sites_own_css_closes_every_block_it_opens():
    """A block left open (an @media without its brace) silently puts every later rule inside
    it: twice a merge did so, and the issue-16 styles applied on phones only."""
    css = re.sub(r"/\*.*?\*/", "", (ROOT / "static" / "css" / "app.css").read_text(), flags=re.S)
    depth = 0
    for number, line in enumerate(css.splitlines(), 1):
        if line.startswith((".", "@", "#", ":", "html", "body")):  # a rule at the top level
            assert depth == 0, f"app.css line {number} is inside a block left open"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"app.css line {number} closes a block it never opened"
    assert depth == 0
