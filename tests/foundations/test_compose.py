"""docker-compose.yml and the Dockerfile stay correct by construction (Docker cannot run here)."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from agency.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_process():
    services = _compose()["services"]
    assert {"web", "worker", "scheduler", "postgres", "redis"} <= set(services)


def test_every_service_command_exists_in_the_cli():
    for name, service in _compose()["services"].items():
        command = service.get("command")
        if command is None or name in ("postgres", "redis"):
            continue  # the database images run their own servers
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if argv[0] == "agency":
            group = main
            ctx_args = argv[1:]
            while ctx_args and ctx_args[0] in getattr(group, "commands", {}):
                group = group.commands[ctx_args.pop(0)]
            assert group is not main, f"{name}: {argv[1]!r} is not an agency command"
        elif argv[0] == "gunicorn":
            target = argv[-1]  # the app is the last argument
            module, attr = target.split(":")
            assert module == "agency.wsgi" and attr == "app", f"{name}: unexpected gunicorn target {target}"
            assert (ROOT / "agency" / "wsgi.py").exists()
        else:
            raise AssertionError(f"{name}: command {argv[0]!r} is neither agency nor gunicorn")


def test_services_share_configuration_and_wait_for_the_database():
    services = _compose()["services"]
    for name in ("web", "worker", "scheduler"):
        service = services[name]
        env = service.get("environment", {})
        keys = set(env) if isinstance(env, dict) else {e.split("=", 1)[0] for e in env}
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "AGENCY_ENCRYPTION_KEYS"} <= keys, name
        assert "postgres" in service.get("depends_on", {}), name


def test_dockerfile_installs_the_project_and_exposes_web():
    text = (ROOT / "Dockerfile").read_text()
    assert "pip install" in text and "EXPOSE 8000" in text
    assert "libpango" in text  # WeasyPrint needs pango at run time
