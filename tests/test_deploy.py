"""The service files: the systemd unit and the Dockerfile say what the README says they do.

Neither can be run here (no systemd as init, no Docker daemon): these tests check what can
be checked without them, and `systemd-analyze verify` where it is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from handlers.delivery import STOP_GRACE

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "dondoc.service"
DOCKERFILE = ROOT / "Dockerfile"
PROMPT_STOP = 10  # seconds: the bound issue 7 sets on stopping after SIGTERM
PRODUCT = ("bot.py", "bot", "handlers", "store", "templates")


def _unit() -> dict[str, list[str]]:
    """`Key=value` lines of the unit, each key with all its values, sections flattened."""
    values: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def _environment(unit: dict[str, list[str]]) -> dict[str, str]:
    return dict(v.partition("=")[::2] for v in unit["Environment"])


def _readme_production() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Running in production\n")
    return text[start:text.index("\n## ", start + 1)]


def test_the_unit_restarts_on_failure_but_not_on_what_a_person_must_fix() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("dondoc_entry", ROOT / "bot.py")
    assert spec is not None and spec.loader is not None
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)
    unit = _unit()
    assert unit["Restart"] == ["on-failure"]
    kept = {int(s) for s in unit["RestartPreventExitStatus"][0].split()}
    assert kept == {entry.EXIT_BAD_SETTING, entry.EXIT_TOKEN_REJECTED}


def test_the_unit_gives_the_bot_more_time_to_stop_than_it_needs() -> None:
    unit = _unit()
    assert unit["KillSignal"] == ["SIGTERM"]
    assert int(unit["TimeoutStopSec"][0]) > PROMPT_STOP > STOP_GRACE


def test_the_unit_runs_as_its_own_user_with_the_data_and_settings_the_readme_names() -> None:
    unit = _unit()
    readme = _readme_production()
    assert unit["User"] == unit["Group"] == ["dondoc"]
    state = f"/var/lib/{unit['StateDirectory'][0]}"
    assert _environment(unit)["DONDOC_DATA_DIR"] == state
    [env_file] = unit["EnvironmentFile"]
    [start] = unit["ExecStart"]
    home = unit["WorkingDirectory"][0]
    assert start == f"{home}/.venv/bin/python {home}/bot.py"
    for named in ("useradd --system", "dondoc", state, env_file, home, "deploy/dondoc.service",
                  "systemctl enable --now dondoc"):
        assert named in readme, named


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # Installed under this checkout instead of /opt/dondoc, so that ExecStart exists.
    home = _unit()["WorkingDirectory"][0]
    text = UNIT.read_text(encoding="utf-8").replace(home, str(ROOT))
    python = ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        pytest.skip("no .venv in this checkout")
    unit = tmp_path / "dondoc.service"
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "dondoc.service" not in result.stderr, result.stderr


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in lines if line and not line.startswith("#")]


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    users = [args for instruction, args in _dockerfile() if instruction == "USER"]
    assert users and users[-1] not in ("root", "0")
    commands = [i for i, _ in _dockerfile()]
    assert commands.index("USER") < commands.index("CMD")


def test_the_image_keeps_its_data_in_a_volume_at_the_data_directory() -> None:
    steps = _dockerfile()
    env = " ".join(args for instruction, args in steps if instruction == "ENV")
    data = re.search(r"DONDOC_DATA_DIR=(\S+)", env)
    assert data is not None
    [volume] = [args for instruction, args in steps if instruction == "VOLUME"]
    assert volume == f'["{data.group(1)}"]'
    assert f"-v dondoc-data:{data.group(1)}" in _readme_production()
    assert "--stop-timeout 30" in _readme_production()


def test_the_image_copies_the_whole_product_and_nothing_that_is_ignored() -> None:
    steps = _dockerfile()
    sources = [args.split()[0] for instruction, args in steps if instruction == "COPY"]
    for source in sources:
        assert (ROOT / source).exists(), source
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert not ignored & set(sources)
    assert set(PRODUCT) <= set(sources)
    assert [args for instruction, args in steps if instruction == "CMD"] == [
        '["python", "bot.py"]']
