"""The mod_wsgi / Python / Apache compatibility rules, including each refusal."""
import pytest

from ansible_collections.wsgi.apache.plugins.module_utils.compat import resolve


@pytest.mark.parametrize("python, apache, expected", [
    ("3.11.2", "2.4.62", "6.1.1"),   # Debian 12
    ("3.13.5", "2.4.65", "6.1.1"),   # Debian 13
    ("3.9.2", "2.4.62", "5.0.2"),    # Debian 11: too old for 6.x
    ("3.10.0", None, "6.1.1"),       # Apache not installed yet
    ("3.8.10", "2.4.41", "5.0.2"),
])
def test_auto_picks_newest_that_builds(python, apache, expected):
    assert resolve("auto", python, apache) == (expected, "")


@pytest.mark.parametrize("requested, python", [
    ("4.9.1", "3.11.2"), ("5.0.0", "3.12.3"), ("5.0.1", "3.13.0"), ("5.0.2", "3.9.2"), ("4.1.0", "3.10.12"),
])
def test_explicit_release_that_builds_is_honoured(requested, python):
    assert resolve(requested, python, "2.4.62") == (requested, "")


@pytest.mark.parametrize("requested, python, oldest", [
    ("4.1.0", "3.11.2", "4.9.1"),
    ("4.9.0", "3.11.2", "4.9.1"),
    ("4.9.4", "3.12.1", "5.0.0"),
    ("5.0.0", "3.13.0", "5.0.1"),
    ("5.0.0", "3.14.0", "5.0.1"),
])
def test_release_too_old_for_python_is_refused_naming_oldest(requested, python, oldest):
    version, error = resolve(requested, python)
    assert version is None
    assert error.startswith("mod_wsgi_version=%s is refused" % requested)
    assert "the oldest release that does is %s" % oldest in error
    assert "set mod_wsgi_version to %s or newer" % oldest in error


def test_6x_needs_python_310():
    version, error = resolve("6.1.1", "3.9.2")
    assert version is None
    assert "needs Python >= 3.10" in error and "3.9.2" in error
    assert "'auto' (5.0.2 here)" in error


def test_6x_needs_apache_24():
    version, error = resolve("6.0.0", "3.11.2", "2.2.34")
    assert version is None
    assert "needs Apache >= 2.4" in error and "2.2.34" in error


def test_older_than_4_1_is_refused():
    assert "older than 4.1.0" in resolve("3.5.0", "2.7.18")[1]


@pytest.mark.parametrize("requested, words", [("latest", "is not a version"), ("6.1", "full X.Y.Z"), ("", "is not a version")])
def test_malformed_release_names_variable_and_fix(requested, words):
    version, error = resolve(requested, "3.11.2")
    assert version is None
    assert error.startswith("mod_wsgi_version=") and words in error and "'auto'" in error


def test_auto_with_nothing_buildable():
    version, error = resolve("auto", "2.7.18")
    assert version is None and "none of" in error and "mod_wsgi_version" in error


def test_custom_variable_name_in_messages():
    assert resolve("4.1.0", "3.11.2", variable="express_version")[1].startswith("express_version=4.1.0")


@pytest.mark.parametrize("requested", ["6.0.0", "6.0.4"])
def test_releases_that_cut_off_request_bodies_are_refused_naming_the_fix(requested):
    version, error = resolve(requested, "3.11.2", "2.4.62")
    assert version is None
    assert error.startswith("mod_wsgi_version=%s is refused: mod_wsgi 6.0.0 to 6.0.4 cut off request bodies" % requested)
    assert "set mod_wsgi_version to 6.0.5 or newer, or to 'auto' (6.1.1 here)" in error


@pytest.mark.parametrize("requested", ["6.0.5", "5.0.2"])
def test_the_releases_beside_them_build(requested):
    assert resolve(requested, "3.11.2", "2.4.62") == (requested, "")
