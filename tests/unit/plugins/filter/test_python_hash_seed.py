"""The python_hash_seed filter: the value to write, an empty string to leave the directive out."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.filter.python_hash_seed import FilterModule, python_hash_seed


def test_registered():
    assert FilterModule().filters()["python_hash_seed"] is python_hash_seed


@pytest.mark.parametrize("seed, release, written", [
    (None, "6.1.1", ""),          # unset: no directive
    ("random", "6.1.1", ""),      # 6.x would read random as seed 0: left out, Python's default is random
    ("random", "5.0.2", "random"),
    (12345, "6.1.1", "12345"),
    ("0", "", "0"),
])
def test_the_value_to_write_is_a_string(seed, release, written):
    assert python_hash_seed(seed, release) == written


def test_a_bad_seed_names_where():
    with pytest.raises(AnsibleFilterError, match="site_python_hash_seed=4294967296 is not valid"):
        python_hash_seed(4294967296, "6.1.1", "site_python_hash_seed")
