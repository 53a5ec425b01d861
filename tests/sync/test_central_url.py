"""The central profile's connection settings: TLS options, password from the environment."""

from __future__ import annotations

from tillcard.bootstrap import central_options
from tillcard.config import load_settings
from tillcard.sync.central import central_url, redacted


def test_password_comes_from_the_environment_and_never_shows(tmp_path):
    cfg = tmp_path / "till.toml"
    cfg.write_text("""
profile = "central"
[database]
central_url = "postgresql://till3@db.canteen/tillcard"
password_env = "TILL3_PW"
sslmode = "verify-full"
sslrootcert = "/etc/tillcard/ca.pem"
""", encoding="utf-8")
    opts = central_options(load_settings(cfg, env={}))
    url = central_url(opts, {"TILL3_PW": "s3cr#t"})
    assert "s3cr%23t@db.canteen" in url
    assert "sslmode=verify-full" in url and "sslrootcert=%2Fetc%2Ftillcard%2Fca.pem" in url
    assert "s3cr" not in redacted(url)
    assert "s3cr" not in repr(opts)  # the settings never hold it
    assert "@db.canteen" in central_url(opts, {})  # no variable: no password (trust, cert)
