"""Gate profiles as data (``*.toml``), shipped inside the wheel as ``checker.policies``."""
