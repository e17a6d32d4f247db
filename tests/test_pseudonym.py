"""Pseudonymisation: keys from identity numbers under a secret from the environment or a key file."""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialstat.cli import cli
from socialstat.errors import ConfigurationError
from socialstat.identity import parse_identity_number
from socialstat.pseudonym import KEY_ENV, Pseudonymiser, load_secret, new_key_file

SECRET = b"a test secret, not for production use"
# Skatteverket test personnummer (src/socialstat/reference/data/skatteverket_test_personnummer.txt).
NUMBER = "189001019802"


def test_a_key_is_the_first_128_bits_of_the_hmac_written_as_a_uuid() -> None:
    expected = hmac.new(SECRET, NUMBER.encode(), hashlib.sha256).hexdigest()[:32]
    key = Pseudonymiser(SECRET).key(NUMBER)
    assert uuid.UUID(key).hex == expected
    assert key == "f611b112-0514-ca27-078f-6b6efae92fe7"  # known answer: a changed derivation breaks every link
    assert [len(part) for part in key.split("-")] == [8, 4, 4, 4, 12]


def test_the_same_person_gets_the_same_key_however_the_number_is_written() -> None:
    p = Pseudonymiser(SECRET)
    forms = ["18900101-9802", "189001019802", "900101+9802"]
    keys = {p.key(parse_identity_number(f).canonical) for f in forms}
    assert len(keys) == 1
    assert Pseudonymiser(SECRET + b"!").key(NUMBER) not in keys  # another secret, another key


def test_the_secret_never_shows() -> None:
    p = Pseudonymiser(SECRET)
    assert "secret" not in repr(p).replace("secret=<hidden>", "")
    assert SECRET.decode() not in repr(p)
    with pytest.raises(ConfigurationError, match="too short") as info:
        Pseudonymiser(b"short secret 123")
    assert "short secret" not in str(info.value)


def test_the_secret_comes_from_the_environment() -> None:
    assert load_secret(environ={KEY_ENV: "  " + SECRET.decode() + "\n"}) == SECRET
    with pytest.raises(ConfigurationError, match="no pseudonymisation key: set SOCIALSTAT_KEY or give --key-file"):
        load_secret(environ={})
    with pytest.raises(ConfigurationError, match="too short") as info:
        load_secret(environ={KEY_ENV: "tiny-secret-value"})
    assert "tiny-secret-value" not in str(info.value)


def test_a_key_file_is_made_private_and_never_overwritten(tmp_path: Path) -> None:
    path = new_key_file(tmp_path / "key")
    assert os.stat(path).st_mode & 0o777 == 0o600
    secret = load_secret(key_file=path, environ={KEY_ENV: "ignored when a key file is given, 1234567890"})
    assert len(secret) == 64
    assert set(secret) <= set(b"0123456789abcdef")
    with pytest.raises(ConfigurationError, match="never overwritten"):
        new_key_file(path)
    assert load_secret(key_file=path) == secret


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_key_file_open_to_others_is_refused(tmp_path: Path) -> None:
    path = new_key_file(tmp_path / "key")
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match=r"open to other users \(mode 0644\); make it private") as info:
        load_secret(key_file=path)
    assert path.read_text().strip() not in str(info.value)
    with pytest.raises(ConfigurationError, match="cannot be read"):
        load_secret(key_file=tmp_path / "missing")


def test_cli_key_new(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["key", "new", str(tmp_path / "k")])
    assert result.exit_code == 0, result.output
    secret = (tmp_path / "k").read_text().strip()
    assert secret not in result.output
    again = runner.invoke(cli, ["key", "new", str(tmp_path / "k")])
    assert again.exit_code == 1
    assert "never overwritten" in again.output
