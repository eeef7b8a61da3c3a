import hashlib
import json

from ansible_collections.wsgi.apache.plugins.module_utils.layout import file_sha256, keeps_socket_path, module_patches, module_version


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


def test_a_module_has_the_patches_of_its_own_fingerprint_only(tmp_path):
    so, fingerprint = tmp_path / "m.so", tmp_path / "fp.json"
    so.write_bytes(b"module")
    patches = {"daemon-token-kept": "b" * 64, "daemon-socket-missing": "a" * 64}
    fingerprint.write_text(json.dumps({"build": {"patches": patches}, "module_sha256": hashlib.sha256(b"module").hexdigest()}))
    assert module_patches(file_sha256(so), fingerprint) == ["daemon-socket-missing", "daemon-token-kept"]
    assert keeps_socket_path(module_patches(file_sha256(so), fingerprint))
    so.write_bytes(b"another module")  # replaced by hand: the fingerprint is not its
    assert module_patches(file_sha256(so), fingerprint) == [] and not keeps_socket_path([])
    assert module_patches(file_sha256(so), tmp_path / "none.json") == []


def test_one_of_the_two_patches_alone_keeps_the_socket_rotation():
    assert not keeps_socket_path(["daemon-socket-missing", "replay-unanswered"])
