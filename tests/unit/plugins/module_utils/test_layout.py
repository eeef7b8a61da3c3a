from ansible_collections.wsgi.apache.plugins.module_utils.layout import module_version


def test_release_is_the_string_with_major_4_or_more(tmp_path):
    so = tmp_path / "m.so"
    so.write_bytes(b"\x7fELF\x00junk\x003.11.2\x00more\x006.1.1\x00tail")
    assert module_version(so) == "6.1.1"


def test_no_release_string(tmp_path):
    so = tmp_path / "m.so"
    so.write_bytes(b"\x7fELF\x00\x003.11.2\x00")
    assert module_version(so) is None


def test_two_candidates_is_unknown_not_a_guess(tmp_path):
    so = tmp_path / "m.so"
    so.write_bytes(b"\x00\x005.0.2\x00\x006.1.1\x00")
    assert module_version(so) is None
